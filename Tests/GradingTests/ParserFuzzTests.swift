// Seeded fuzzing of the notebook reader (Tests/Fuzz/Corpus/notebook): every mutation converts,
// or is refused with the reader's own error.
import Foundation
import TestSupport
import Testing

@testable import Grading

@Suite struct ParserFuzzTests {
    @Test func notebookReaderRefusesOrConvertsEveryMutation() throws {
        let report = Fuzz.run(
            corpus: try Fuzz.corpus("notebook"), seed: 0x6E62_3031,
            expected: { $0 is HarnessError }
        ) { data in
            _ = try Notebook.convert(data, fileName: "fuzz.ipynb")
        }
        #expect(report.findings.isEmpty, "\(report.findings.prefix(3))")
        #expect(report.accepted >= 1 && report.inputs > 100)
    }
}
