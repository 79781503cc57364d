// Lab loading: every shipped lab validates, values are read as written, and broken lab.toml
// snippets produce the expected problems (file, key path, message), all of them at once.
import Foundation
import TestSupport
import Testing

@testable import LabConfig

private let labsRoot = repositoryRoot.appendingPathComponent("labs")

/// Writes `toml` (plus any extra files) into a fresh lab folder named `id` and loads it.
private func loadSnippet(_ toml: String, id: String = "99-demo", files: [String] = ["README.md"])
    throws -> Lab
{
    let root = try makeScratchDirectory("lmlab-lab")
    let folder = root.appendingPathComponent(id)
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    for file in files {
        try Data("x".utf8).write(to: folder.appendingPathComponent(file))
    }
    try Data(toml.utf8).write(to: folder.appendingPathComponent("lab.toml"))
    return try Lab.load(folder: folder)
}

private func listing(_ problems: [LabProblem]) -> String {
    problems.map(\.description).joined(separator: "\n")
}

/// The problems a snippet produces, or [] if it loads.
private func problems(_ toml: String, id: String = "99-demo", files: [String] = ["README.md"])
    -> [LabProblem]
{
    do {
        _ = try loadSnippet(toml, id: id, files: files)
        return []
    } catch let error as LabError {
        return error.problems
    } catch {
        return [LabProblem(file: "?", keyPath: "?", message: "\(error)")]
    }
}

private let validHeader = """
    id = "99-demo"
    title = "Demo"
    version = "1.0.0"
    due = "2026-12-07T23:59:00Z"
    late_due = "2026-12-14T23:59:00Z"
    late_penalty = 0.2
    counting = "best"
    entry = "demo.py"
    handout = "README.md"

    [[components]]
    name = "softmax"
    args = ["x", "axis"]
    optional = ["axis"]
    returns = "tensor"

    """

private let validTest = """
    [[tests]]
    name = "t0"
    component = "softmax"
    points = 1.0
    visibility = "visible"
    seed = 1
    [tests.inputs]
    x = { tensor = [2, 3] }

    """

@Test func everyShippedLabValidates() throws {
    let labs = try Lab.loadAll(labsRoot: labsRoot)
    #expect(labs.map(\.id) == [
        "01-attention", "01-attention-torch", "02-gpt2-blocks", "02-gpt2-blocks-torch", "03-gpt2",
        "03-gpt2-torch", "04-tokenizer", "05-lora", "06-quantization", "07-llama", "08-sampling",
    ])
    for lab in labs {
        #expect(lab.totalPoints >= 10 && lab.totalPoints <= 20, "\(lab.id): \(lab.totalPoints)")
        #expect(lab.tests.contains { $0.visibility == .afterDue }, "\(lab.id) has no after_due")
        for component in lab.components {
            let tests = lab.tests.filter { $0.component == component.name }
            #expect(tests.contains { $0.visibility == .visible }, "\(component.name)")
            // A hidden copy of an argument-free call would add nothing.
            if !component.args.isEmpty {
                #expect(tests.contains { $0.visibility != .visible }, "\(component.name)")
            }
        }
        for test in lab.tests where test.visibility == .visible {
            #expect(test.seed != nil)
        }
        #expect(FileManager.default.fileExists(atPath: lab.fixtureURL(lab.entry).path))
    }
}

@Test func attentionLabReadsAsWritten() throws {
    let lab = try Lab.load(folder: labsRoot.appendingPathComponent("01-attention"))
    // 2026-12-07T23:59:00Z and 2026-12-14T23:59:00Z as Unix time (Python's datetime).
    #expect(lab.due == Date(timeIntervalSince1970: 1_796_687_940))
    #expect(lab.lateDue == Date(timeIntervalSince1970: 1_797_292_740))
    #expect(lab.latePenalty == 0.2)
    #expect(lab.counting == .best)
    #expect(lab.limits == Limits(timeSeconds: 10, memoryMB: 1024))
    let softmax = try #require(lab.component(named: "softmax"))
    #expect(softmax.args == ["x", "axis"])
    #expect(softmax.optionalArgs == ["axis"])
    #expect(softmax.atol == 1e-6 && softmax.rtol == 1e-4)
    let large = try #require(lab.tests.first { $0.name == "softmax_large_logits" })
    #expect(large.visibility == .hidden && large.seed == nil)
    #expect(
        large.inputs == [
            LabInput(
                name: "x",
                spec: .tensor(
                    shape: [3, 9], dist: .normal, scale: 5, offset: 1000, dtype: .float32,
                    low: 0, high: 1)),
            LabInput(name: "axis", spec: .literal(.int(-1))),
        ])
    // Omitted optional mask: the inputs stop after v, in the component's positional order.
    let noMask = try #require(lab.tests.first { $0.name == "attention_no_mask" })
    #expect(noMask.inputs.map(\.name) == ["q", "k", "v"])
    #expect(noMask.seed == 103)
    let causal = try #require(lab.tests.first { $0.name == "attention_causal" })
    #expect(causal.input(named: "mask") == .causal(6))
    let mha = try #require(lab.tests.first { $0.name == "mha_four_heads" })
    #expect(mha.input(named: "c_attn_w") == .weight(shape: [16, 48], scale: 0.3))
    #expect(mha.input(named: "n_head") == .literal(.int(4)))
}

@Test func specialInputsOfLabs03And04() throws {
    let gpt2 = try Lab.load(folder: labsRoot.appendingPathComponent("03-gpt2"))
    let untied = try #require(gpt2.tests.first { $0.name == "forward_untied_state_dict" })
    #expect(
        untied.input(named: "params")
            == .gpt2(
                GPT2Spec(
                    nLayer: 2, nHead: 2, nEmbd: 16, vocab: 50, ctx: 16, untiedHead: true)))
    #expect(untied.input(named: "ids") == .ids(count: 7, vocab: 50))
    let small = try #require(gpt2.tests.first { $0.name == "forward_small_embeddings" })
    #expect(
        small.input(named: "params")
            == .gpt2(
                GPT2Spec(
                    nLayer: 1, nHead: 2, nEmbd: 16, vocab: 50, ctx: 16, embeddingScale: 0.01)))
    #expect(untied.limits.timeSeconds == 20)
    let sample = try #require(gpt2.tests.first { $0.name == "sample_top_p" })
    #expect(sample.input(named: "u") == .uniformScalar)
    #expect(sample.input(named: "top_p") == .literal(.double(0.8)))

    let tokenizer = try Lab.load(folder: labsRoot.appendingPathComponent("04-tokenizer"))
    #expect(tokenizer.counting == .latest)
    let table = try #require(tokenizer.tests.first { $0.name == "byte_table" })
    #expect(table.inputs.isEmpty)
    let encode = try #require(tokenizer.tests.first { $0.name == "encode_english" })
    #expect(encode.input(named: "merges") == .fixture("merges.txt"))
    let empty = try #require(tokenizer.tests.first { $0.name == "decode_empty" })
    #expect(empty.input(named: "ids") == .literal(.array([])))
    #expect(tokenizer.component(named: "decode")?.returns == .text)
    #expect(tokenizer.component(named: "decode")?.atol == 0)
}

@Test func validSnippetLoadsWithDefaults() throws {
    let lab = try loadSnippet(validHeader + validTest)
    #expect(lab.limits == Limits(timeSeconds: 10, memoryMB: 1024))
    #expect(lab.rateLimitPerHour == nil)
    // Tensor components default to atol 1e-5, rtol 1e-4.
    #expect(lab.components[0].atol == 1e-5 && lab.components[0].rtol == 1e-4)
    #expect(lab.tests[0].inputs.map(\.name) == ["x"])
}

@Test func offsetDateTimesAreConverted() throws {
    let toml = validHeader.replacingOccurrences(
        of: "due = \"2026-12-07T23:59:00Z\"", with: "due = 2026-12-01T12:00:00+01:00")
    let lab = try loadSnippet(toml + validTest)
    #expect(lab.due == Date(timeIntervalSince1970: 1_796_122_800))
}

@Test func everyProblemIsReportedWithItsKeyPath() {
    let toml = """
        id = "01-wrong"
        title = "Broken"
        version = "1.0.0"
        due = "2026-12-20T23:59:00Z"
        late_due = "2026-12-14T23:59:00Z"
        counting = "newest"
        entry = "demo.py"
        handout = "README.md"
        colour = "blue"

        [[components]]
        name = "softmax"
        args = ["x", "axis"]
        returns = "tensor"

        [[components]]
        name = "unused"
        args = ["y"]
        returns = "matrix"

        [[tests]]
        name = "a"
        component = "softmax"
        points = 1.0
        visibility = "visible"
        [tests.inputs]
        x = { tensor = [2, 3] }
        axis = -1

        [[tests]]
        name = "a"
        component = "sofmax"
        points = 1.0
        visibility = "hidden"

        [[tests]]
        name = "c"
        component = "softmax"
        points = -2.0
        visibility = "secret"
        [tests.inputs]
        axis = 0

        [[tests]]
        name = "d"
        component = "softmax"
        points = 1.0
        visibility = "hidden"
        [tests.inputs]
        x = { tensor = [2, 0] }
        axis = 0
        bogus = 3

        [[tests]]
        name = "e"
        component = "softmax"
        points = 1.0
        visibility = "after_due"
        [tests.inputs]
        x = { fixture = "vocab.json" }
        axis = { causal = 3, ids = 4 }
        """
    let found = problems(toml)
    let expected: [(String, String)] = [
        ("id", "lab folder is \"99-demo\""),
        ("late_due", "before due"),
        ("counting", "\"newest\""),
        ("colour", "unknown key"),
        ("components[1].returns", "\"matrix\""),
        ("components[1]", "has no tests"),
        ("tests[0].seed", "visible test needs a fixed seed"),
        ("tests[1].name", "duplicate test name \"a\""),
        ("tests[1].component", "unknown component \"sofmax\""),
        ("tests[2].points", "must not be negative"),
        ("tests[2].visibility", "unknown visibility \"secret\""),
        ("tests[2].inputs", "args not covered by inputs: x"),
        ("tests[3].inputs.x.tensor", "positive integer"),
        ("tests[3].inputs.bogus", "has no argument \"bogus\""),
        ("tests[4].inputs.x.fixture", "file \"vocab.json\" is missing"),
        ("tests[4].inputs.axis", "several input kinds"),
    ]
    for (path, fragment) in expected {
        #expect(
            found.contains { $0.keyPath == path && $0.message.contains(fragment) },
            "expected \(path): …\(fragment)… in\n\(listing(found))"
        )
    }
    #expect(found.count == expected.count, "\(found.map(\.description))")
    #expect(found.allSatisfy { $0.file.hasSuffix("99-demo/lab.toml") })
}

@Test func generatedModelsMustFitTheirArguments() {
    let toml = """
        id = "99-demo"
        title = "Demo"
        version = "1.0.0"
        due = "2026-12-07T23:59:00Z"
        entry = "gpt2.py"
        handout = "README.md"

        [[components]]
        name = "generate_greedy"
        args = ["ids", "params", "n_head", "n_new"]
        returns = "ids"

        [[components]]
        name = "transformer_block"
        args = ["x", "params", "n_head"]

        [[tests]]
        name = "g"
        component = "generate_greedy"
        points = 1
        visibility = "hidden"
        [tests.inputs]
        ids = { ids = 10, vocab = 60 }
        params = { gpt2 = { n_layer = 1, n_head = 2, n_embd = 16, vocab = 50, ctx = 16 } }
        n_head = 4
        n_new = 8

        [[tests]]
        name = "b"
        component = "transformer_block"
        points = 1
        visibility = "hidden"
        [tests.inputs]
        x = { tensor = [2, 12] }
        params = { block = { n_embd = 12 } }
        n_head = 5
        """
    let found = problems(toml)
    let expected: [(String, String)] = [
        ("tests[0].inputs.n_head", "n_head = 2"),
        ("tests[0].inputs.ids", "vocab is 50"),
        ("tests[0].inputs.ids", "exceed the model's ctx 16"),
        ("tests[1].inputs.n_head", "do not divide n_embd 12"),
    ]
    for (path, fragment) in expected {
        #expect(
            found.contains { $0.keyPath == path && $0.message.contains(fragment) },
            "expected \(path): …\(fragment)… in \(found.map(\.description))")
    }
    #expect(found.count == expected.count, "\(found.map(\.description))")
}

@Test func missingRequiredKeysAreNamed() {
    let found = problems("title = \"Only a title\"\n")
    for key in ["id", "version", "due", "entry", "handout", "components", "tests"] {
        #expect(found.contains { $0.keyPath == key && $0.message.contains("missing") }, "\(key)")
    }
}

@Test func missingHandoutAndBadOptionalOrder() {
    let toml =
        validHeader.replacingOccurrences(
            of: "optional = [\"axis\"]", with: "optional = [\"x\"]") + validTest
    let found = problems(toml, files: [])
    #expect(found.contains { $0.keyPath == "handout" && $0.message.contains("missing") })
    #expect(found.contains { $0.keyPath == "components[0].optional" })
    #expect(found.contains { $0.keyPath == "tests[0].inputs" && $0.message.contains("axis") })
}

@Test func notTOMLReportsTheLine() {
    let found = problems("id = \"99-demo\"\ntitle = \n")
    #expect(found.count == 1)
    #expect(found.first?.message.contains("line 2") == true, "\(found)")
}

@Test func loadAllCollectsEveryBrokenLab() throws {
    let root = try makeScratchDirectory("lmlab-labs")
    for id in ["10-a", "11-b", "harness"] {
        let folder = root.appendingPathComponent(id)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data("id = \"wrong\"\n".utf8).write(to: folder.appendingPathComponent("lab.toml"))
    }
    do {
        _ = try Lab.loadAll(labsRoot: root)
        Issue.record("broken labs loaded")
    } catch let error as LabError {
        let files = Set(
            error.problems.map {
                URL(fileURLWithPath: $0.file).deletingLastPathComponent().lastPathComponent
            })
        #expect(files == ["10-a", "11-b"])  // harness is skipped
        #expect(error.description.contains("10-a/lab.toml: id:"))
    }
}

@Test func casesLargerThanTheMemoryLimitAreRefusedAtValidation() throws {
    func tensorTest(_ shape: String, memory: String = "") -> String {
        validHeader + """
            [[tests]]
            name = "big"
            component = "softmax"
            points = 1.0
            visibility = "hidden"
            seed = 1
            \(memory)
            [tests.inputs]
            x = { tensor = \(shape) }

            """
    }
    // 400000×700000 floats (2.2 TB as float64): refused, naming the limit, not aborting
    let huge = problems(tensorTest("[400000, 700000]"))
    #expect(huge.count == 1)
    #expect(huge.first?.keyPath == "tests[0].inputs")
    #expect(huge.first?.message.contains("over the test's memory limit of 1024 MiB") == true,
        "\(listing(huge))")
    // A shape whose element count overflows an Int is refused the same way
    let overflow = problems(tensorTest("[4294967296, 4294967296, 4294967296]"))
    #expect(overflow.first?.message.contains("more memory than a machine has") == true)
    // By hand: 8192×8192 values × 8 bytes × 2 copies = 1024 MiB fits 1024 MiB exactly, and
    // not 1023 MiB; 8192×8193 does not fit 1024 MiB
    #expect(problems(tensorTest("[8192, 8192]")).isEmpty)
    #expect(problems(tensorTest("[8192, 8193]")).count == 1)
    #expect(problems(tensorTest("[8192, 8192]", memory: "memory_mb = 1023")).count == 1)
    // A GPT-2 spec is counted by its parameters: 12·C²+13·C per block plus wte, wpe and ln_f;
    // n_layer 2, C 1024, vocab 50257, ctx 1024 → 2·12,596,224 + 51,463,168 + 1,048,576 + 2,048
    // = 77,706,240 values = 1185.7 MiB at 16 bytes each: over 1024, under 2048
    let gpt2 = validHeader + """
        [[tests]]
        name = "model"
        component = "softmax"
        points = 1.0
        visibility = "hidden"
        seed = 1
        %MEM%
        [tests.inputs]
        x = { gpt2 = { n_layer = 2, n_head = 16, n_embd = 1024, vocab = 50257, ctx = 1024 } }

        """
    let small = problems(gpt2.replacingOccurrences(of: "%MEM%", with: ""))
    #expect(small.contains { $0.message.contains("about 1185 MiB") }, "\(listing(small))")
    let roomy = problems(gpt2.replacingOccurrences(of: "%MEM%", with: "memory_mb = 2048"))
    #expect(!roomy.contains { $0.message.contains("memory limit") }, "\(listing(roomy))")
}

@Test func embeddingScaleMustBePositive() {
    for bad in ["0", "-0.5", "\"small\""] {
        let found = problems(validHeader + """
            [[tests]]
            name = "model"
            component = "softmax"
            points = 1.0
            visibility = "hidden"
            [tests.inputs]
            x = { gpt2 = { n_layer = 1, n_head = 2, n_embd = 16, vocab = 50, ctx = 16, embedding_scale = \(bad) } }

            """)
        #expect(
            found.contains {
                $0.keyPath == "tests[0].inputs.x.gpt2.embedding_scale"
                    && $0.message == "must be a positive number"
            }, "\(bad): \(listing(found))")
    }
}

/// The NumPy labs that have a PyTorch edition, `<id>-torch`.
let labsWithATorchEdition = ["01-attention", "02-gpt2-blocks", "03-gpt2"]

/// A PyTorch edition is its NumPy lab with torch inputs: the same schedule, limits, components
/// and tests (names, points, seeds, inputs); only the id (`<id>-torch`), the title (`… (PyTorch)`),
/// the starter (`<entry>_torch.py`) and the framework differ.
@Test(arguments: labsWithATorchEdition)
func torchEditionHasTheNumPyLabsTests(numpyID: String) throws {
    let numpy = try Lab.load(folder: labsRoot.appendingPathComponent(numpyID))
    let torch = try Lab.load(folder: labsRoot.appendingPathComponent(numpyID + "-torch"))
    #expect(numpy.framework == .numpy && numpy.tests.allSatisfy { $0.framework == .numpy })
    #expect(torch.framework == .torch && torch.tests.allSatisfy { $0.framework == .torch })
    #expect(torch.id == numpyID + "-torch" && torch.title == numpy.title + " (PyTorch)")
    #expect(torch.entry == numpy.entry.replacingOccurrences(of: ".py", with: "_torch.py"))
    var asNumPy = torch
    asNumPy.id = numpy.id
    asNumPy.title = numpy.title
    asNumPy.entry = numpy.entry
    asNumPy.folder = numpy.folder
    asNumPy.framework = .numpy
    asNumPy.tests = torch.tests.map { test -> LabTest in
        var copy = test
        copy.framework = .numpy
        return copy
    }
    #expect(asNumPy.limits == numpy.limits && asNumPy.components == numpy.components)
    #expect(asNumPy.tests == numpy.tests)
    #expect(asNumPy == numpy, "schedule, rate limit, version or handout differ")
}

/// Every shipped `-torch` lab is one of those editions (so the test above covers it).
@Test func everyTorchLabIsAnEditionOfANumPyLab() throws {
    let torchLabs = try Lab.loadAll(labsRoot: labsRoot).map(\.id).filter { $0.hasSuffix("-torch") }
    #expect(torchLabs == labsWithATorchEdition.map { $0 + "-torch" })
}

@Test func frameworkIsLabWideAndOverriddenPerTest() throws {
    let torchWide = try loadSnippet("framework = \"torch\"\n" + validHeader + validTest)
    #expect(torchWide.framework == .torch && torchWide.tests.allSatisfy { $0.framework == .torch })
    let perTest = try loadSnippet(
        validHeader + validTest.replacingOccurrences(
            of: "seed = 1\n", with: "seed = 1\nframework = \"torch\"\n"))
    #expect(perTest.framework == .numpy && perTest.usesTorch)
    #expect(perTest.tests.first?.framework == .torch)
    let plain = try loadSnippet(validHeader + validTest)
    #expect(plain.framework == .numpy && !plain.usesTorch)
    let wrong = problems("framework = \"jax\"\n" + validHeader + validTest)
    #expect(wrong.map(\.keyPath) == ["framework"], "\(listing(wrong))")
    #expect(wrong.first?.message.contains("\"torch\"") == true)
}
