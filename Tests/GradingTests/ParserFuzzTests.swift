// Seeded fuzzing of the notebook reader and the lab.toml reader (Tests/Fuzz/Corpus/notebook,
// …/lab): every mutation converts or loads, or is refused with the reader's own error.
import Foundation
import TestSupport
import Testing

@testable import Harness
@testable import LabConfig

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

    @Test func labReaderRefusesOrLoadsEveryMutation() throws {
        // Read as lab 01's lab.toml, in its folder (its fixtures and handout are there)
        let folder = repositoryRoot.appendingPathComponent("labs/01-attention")
        let report = Fuzz.run(
            corpus: try Fuzz.corpus("lab"), seed: 0x6C61_6231, iterations: 1_500,
            expected: { $0 is LabError }
        ) { data in
            guard let text = String(data: data, encoding: .utf8) else {
                throw LabError.unreadable(file: "fuzz", reason: "not UTF-8")
            }
            _ = try Lab.parse(toml: text, folder: folder)
        }
        #expect(report.findings.isEmpty, "\(report.findings.prefix(3))")
        #expect(report.accepted >= 1 && report.inputs > 100)
    }
}
