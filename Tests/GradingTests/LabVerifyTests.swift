// A lab.toml's [verify] table: labs 05 and 06 declare theirs as written, and broken tables give
// problems naming the key and the accepted values.
import Foundation
import TestSupport
import Testing

@testable import Diagnosis
@testable import Grading
@testable import LabConfig

private let header = """
    id = "99-demo"
    title = "Demo"
    version = "1.0.0"
    due = "2026-12-07T23:59:00Z"
    entry = "demo.py"
    handout = "README.md"

    [[components]]
    name = "f"
    args = ["x"]

    [[tests]]
    name = "t0"
    component = "f"
    points = 1.0
    visibility = "visible"
    seed = 1
    [tests.inputs]
    x = { tensor = [2, 3] }

    """

/// The problems of `header` + `verify` (`verify` + `header` if `first`: a top-level key must
/// come before any table), as "keyPath: message" lines ([] if it loads).
private func problems(_ verify: String, first: Bool = false) throws -> [String] {
    let root = try makeScratchDirectory("lmlab-lab-verify")
    let folder = root.appendingPathComponent("99-demo")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    try Data("x".utf8).write(to: folder.appendingPathComponent("README.md"))
    do {
        _ = try Lab.parse(toml: first ? verify + header : header + verify, folder: folder)
        return []
    } catch let error as LabError {
        return error.problems.map { "\($0.keyPath): \($0.message)" }
    }
}

@Suite struct LabVerifyTests {
    @Test func shippedLabsDeclareTheirVerification() throws {
        let labs = repositoryRoot.appendingPathComponent("labs")
        let quant = try Lab.load(folder: labs.appendingPathComponent("06-quantization"))
        #expect(
            quant.verify
                == LabVerification(
                    kind: .quantizer, schemes: ["q8_0", "q4_0"],
                    experiment: "06-quantization-verified"))
        let lora = try Lab.load(folder: labs.appendingPathComponent("05-lora"))
        #expect(lora.verify == LabVerification(kind: .adapter, experiment: "05-lora-verified"))
        let attention = try Lab.load(folder: labs.appendingPathComponent("01-attention"))
        #expect(attention.verify == nil)
    }

    @Test func unknownKindIsNamed() throws {
        let found = try problems("[verify]\nkind = \"tokenizer\"\nexperiment = \"e\"\n")
        #expect(found == ["verify.kind: is \"tokenizer\"; use \"quantizer\" or \"adapter\""])
    }

    @Test func unknownSchemeIsNamed() throws {
        let found = try problems(
            "[verify]\nkind = \"quantizer\"\nschemes = [\"q8_0\", \"int8\"]\nexperiment = \"e\"\n")
        #expect(
            found == [
                "verify.schemes[1]: must be one of \"q8_0\", \"q4_0\" (a student quantizer can be"
                    + " verified for these only)"
            ])
    }

    @Test func quantizerNeedsSchemesAdapterTakesNone() throws {
        #expect(
            try problems("[verify]\nkind = \"quantizer\"\nexperiment = \"e\"\n") == [
                "verify.schemes: is missing; a quantizer is verified per scheme, e.g. [\"q8_0\"]"
            ])
        #expect(
            try problems("[verify]\nkind = \"adapter\"\nschemes = [\"q8_0\"]\nexperiment = \"e\"\n")
                == ["verify.schemes: applies only to kind = \"quantizer\""])
    }

    @Test func experimentIsRequiredAndKeysAreChecked() throws {
        #expect(
            try problems("[verify]\nkind = \"adapter\"\nmodel = \"x\"\n") == [
                "verify.model: unknown key; expected one of experiment, kind, schemes",
                "verify.experiment: is missing",
            ])
        #expect(try problems("verify = 3\n", first: true) == ["verify: must be a table ([verify]), not an integer"])
    }
}
