// A submission importing a module the grader does not have gets one clear sentence naming the
// module and what the lab allows — said once, not as the same traceback under every test.
import Foundation
import TestSupport
import Testing

@testable import Diagnosis
@testable import Grading
@testable import LabConfig

@Test(.blockingWork) func aMissingModuleIsNamedOnceWithWhatTheLabAllows() throws {
    let folder = try makeScratchDirectory("lmlab-missing-module")
    defer { try? FileManager.default.removeItem(at: folder) }
    let file = folder.appendingPathComponent("attention.py")
    try "import numpy as np\nimport lmlab_absent_module.layers\n\ndef softmax(x, axis=-1):\n    return x\n"
        .write(to: file, atomically: true, encoding: .utf8)
    let labs = repositoryRoot.appendingPathComponent("labs")
    let lab = try Lab.load(folder: labs.appendingPathComponent("01-attention"))
    let grader = try Grader(
        lab: lab, harnessDirectory: labs.appendingPathComponent("harness"), isolation: .none)
    let report = try grader.grade(submission: file, seed: 1, mode: .instructor)
    let error = try #require(report.importError)
    #expect(error.contains("imports 'lmlab_absent_module'"), "\(error)")
    #expect(error.contains("attention.py, line 2"), "\(error)")
    #expect(error.contains("standard library and numpy"), "\(error)")
    #expect(!error.contains("Traceback"), "\(error)")
    // Said once: no test repeats it
    #expect(report.results.allSatisfy { !$0.message.contains("lmlab_absent_module") })
    let text = renderTerminal(report, viewer: .instructor, colour: false)
    #expect(text.components(separatedBy: "lmlab_absent_module").count == 2, "\(text)")
}
