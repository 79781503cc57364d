// Seeded fuzzing of the folder-bundle reader (Tests/Fuzz/Corpus/bundle): every mutation is
// refused with a LabGraderError.bundle, or validates and unpacks inside its folder.
import Foundation
import TestSupport
import Testing

@testable import Server

@Suite struct BundleFuzzTests {
    @Test func everyMutatedBundleIsRefusedOrUnpacksInsideItsFolder() throws {
        let scratch = try makeScratchDirectory("lmlab-fuzz")
        defer { try? FileManager.default.removeItem(at: scratch) }
        var unpacked = 0
        let report = Fuzz.run(
            corpus: try Fuzz.corpus("bundle"), seed: 0x6275_6E64, iterations: 2_000,
            expected: {
                if case .bundle? = $0 as? LabGraderError { return true }
                return false
            }
        ) { data in
            let bundle = try SubmissionBundle.decode(data, filename: "f.lmlab-folder.json")
            try bundle.validate()
            let target = scratch.appendingPathComponent("out-\(unpacked)")
            try bundle.unpack(into: target)
            unpacked += 1
            // Everything written is under the target
            let written = FileManager.default.enumerator(atPath: target.path)?.allObjects ?? []
            #expect(!written.isEmpty)
        }
        #expect(report.findings.isEmpty, "\(report.findings.prefix(3))")
        #expect(report.accepted >= 1 && report.inputs > 100)
        // Nothing was written beside the targets
        let siblings = try FileManager.default.contentsOfDirectory(atPath: scratch.path)
        #expect(siblings.allSatisfy { $0.hasPrefix("out-") })
    }
}
