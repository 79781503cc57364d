// A lab as described by labs/<id>/lab.toml: the functions students write (components), the tests
// that grade them and how each test's inputs are generated. Loading validates the whole file.
import Foundation
import TOMLKit

/// One lab: its schedule, limits, components and tests, read from `<folder>/lab.toml`.
public struct Lab: Sendable, Equatable {
    public var id: String
    public var title: String
    /// Grader version of this lab, recorded with each grade.
    public var version: String
    public var due: Date
    /// After this date submissions are refused; nil means never.
    public var lateDue: Date?
    /// Fraction of the score lost by a submission between `due` and `lateDue`.
    public var latePenalty: Double
    public var counting: Counting
    /// The module a folder submission must contain, and the starter's name, e.g. "attention.py".
    public var entry: String
    public var rateLimitPerHour: Int?
    /// The handout file inside the lab folder, e.g. "README.md".
    public var handout: String
    /// Defaults for every test; a test may override them.
    public var limits: Limits
    public var components: [LabComponent]
    public var tests: [LabTest]
    /// What the daemon re-runs on the course's base model after grading (`[verify]`), if any.
    public var verify: LabVerification?
    /// The instructor's Python reference and mistakes (`[python]`, LabPython.swift), if any.
    public var python: LabPython?
    /// The lab folder (fixtures and the handout live here).
    public var folder: URL
    /// What students receive as tensor inputs (`framework = "torch"` in lab.toml); a test may
    /// override it (`LabTest.framework`). A warm sandbox for a torch lab pre-imports torch.
    public var framework: Framework

    public init(
        id: String, title: String, version: String, due: Date, lateDue: Date? = nil,
        latePenalty: Double = 0, counting: Counting = .best, entry: String,
        rateLimitPerHour: Int? = nil, handout: String = "README.md", limits: Limits = Limits(),
        components: [LabComponent], tests: [LabTest], verify: LabVerification? = nil,
        python: LabPython? = nil, folder: URL, framework: Framework = .numpy
    ) {
        self.id = id
        self.title = title
        self.version = version
        self.due = due
        self.lateDue = lateDue
        self.latePenalty = latePenalty
        self.counting = counting
        self.entry = entry
        self.rateLimitPerHour = rateLimitPerHour
        self.handout = handout
        self.limits = limits
        self.components = components
        self.tests = tests
        self.verify = verify
        self.python = python
        self.folder = folder
        self.framework = framework
    }

    /// The name of the description file inside a lab folder.
    public static let fileName = "lab.toml"

    public func component(named name: String) -> LabComponent? {
        components.first { $0.name == name }
    }

    /// Whether any test hands torch tensors, so the sandbox must import torch.
    public var usesTorch: Bool { framework == .torch || tests.contains { $0.framework == .torch } }

    /// The sum of every test's points.
    public var totalPoints: Double { tests.reduce(0) { $0 + $1.points } }

    /// A fixture file of this lab, e.g. `fixtureURL("vocab.json")`.
    public func fixtureURL(_ name: String) -> URL { folder.appendingPathComponent(name) }
}

/// A lab's `[verify]` table: after grading, the daemon applies what the submission carries (the
/// quantizer functions, or a PEFT adapter) to the course's base model with the reference,
/// measures the perplexity itself and records a verified run. It never changes the score.
public struct LabVerification: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        /// Lab 06: the student's Q8_0 / Q4_0 functions quantize every linear weight.
        case quantizer
        /// Lab 05: a folder submission holding adapter_config.json + adapter_model.safetensors.
        case adapter
    }

    /// The schemes a quantizer may be verified for.
    public static let quantizerSchemes = ["q8_0", "q4_0"]

    public var kind: Kind
    /// For `quantizer`: one verified run per scheme, in this order (empty for `adapter`).
    public var schemes: [String]
    /// The experiment the verified runs are recorded in.
    public var experiment: String

    public init(kind: Kind, schemes: [String] = [], experiment: String) {
        self.kind = kind
        self.schemes = schemes
        self.experiment = experiment
    }
}

/// The array library a test's tensor inputs are made in. Inputs are always drawn as NumPy
/// arrays; for `torch` the harness wraps the very same arrays with `torch.from_numpy`, so a
/// torch test's inputs are bit-identical to the NumPy test's of the same seed.
public enum Framework: String, Sendable, Equatable, CaseIterable {
    case numpy
    case torch
}

/// Which of a student's graded submissions counts for the lab.
/// Which of a student's graded submissions counts for the leaderboard and grades.
public enum Counting: String, Sendable, Codable, Equatable, CaseIterable {
    /// The highest score after late penalty; ties go to the earlier submission.
    case best
    /// The most recent graded submission.
    case latest
}

/// Resource limits for one call into student code.
public struct Limits: Sendable, Equatable {
    /// Wall clock per call.
    public var timeSeconds: Double
    /// Address space of the sandboxed process.
    public var memoryMB: Int
    /// Wall clock for all of one submission's tests (lab level only, `[limits]
    /// submission_seconds`): tests left when it is used up are not run, so one spinning
    /// submission cannot hold a grader for every test's time limit in turn.
    public var submissionSeconds: Double

    public init(timeSeconds: Double = 10, memoryMB: Int = 1024, submissionSeconds: Double = 120) {
        self.timeSeconds = timeSeconds
        self.memoryMB = memoryMB
        self.submissionSeconds = submissionSeconds
    }
}

/// What a component returns, which decides how a result is compared.
public enum ReturnKind: String, Sendable, Equatable, CaseIterable {
    case tensor, ids, int, float, text, mapping, strings

    /// Tensors and floats are compared with tolerances; everything else exactly.
    public var isApproximate: Bool { self == .tensor || self == .float }
}

/// A Python function the student writes.
public struct LabComponent: Sendable, Equatable {
    public var name: String
    /// Positional order in which the harness passes the arguments.
    public var args: [String]
    /// Trailing arguments a test may leave out (the student's default is then used).
    public var optionalArgs: [String]
    public var returns: ReturnKind
    /// Absolute and relative tolerance (|got - want| <= atol + rtol * |want|); 0 when exact.
    public var atol: Double
    public var rtol: Double
    public var summary: String

    public init(
        name: String, args: [String], optionalArgs: [String] = [], returns: ReturnKind = .tensor,
        atol: Double = 1e-5, rtol: Double = 1e-4, summary: String = ""
    ) {
        self.name = name
        self.args = args
        self.optionalArgs = optionalArgs
        self.returns = returns
        self.atol = atol
        self.rtol = rtol
        self.summary = summary
    }
}

/// Who sees a test's result, and when.
public enum Visibility: String, Sendable, Equatable, CaseIterable {
    /// Shown to the student at once, with a fixed seed they can reproduce.
    case visible
    /// Counted, with a fresh seed per submission; the student sees only that it passed or not.
    case hidden
    /// Counted; its result is shown only after the due date.
    case afterDue = "after_due"
}

/// One graded call of a component.
public struct LabTest: Sendable, Equatable {
    public var name: String
    public var component: String
    public var points: Double
    public var visibility: Visibility
    /// Fixed seed (required for visible tests); nil means a fresh recorded seed per submission.
    public var seed: UInt64?
    /// The lab's limits with this test's overrides applied.
    public var limits: Limits
    /// The arguments in the component's positional order; omitted optional args are absent.
    public var inputs: [LabInput]
    /// The lab's framework unless this test overrides it.
    public var framework: Framework

    public init(
        name: String, component: String, points: Double, visibility: Visibility,
        seed: UInt64? = nil, limits: Limits = Limits(), inputs: [LabInput],
        framework: Framework = .numpy
    ) {
        self.name = name
        self.component = component
        self.points = points
        self.visibility = visibility
        self.seed = seed
        self.limits = limits
        self.inputs = inputs
        self.framework = framework
    }

    public func input(named name: String) -> InputSpec? {
        inputs.first { $0.name == name }?.spec
    }
}

/// One argument of a test call: its name and how to make its value.
public struct LabInput: Sendable, Equatable {
    public var name: String
    public var spec: InputSpec

    public init(name: String, spec: InputSpec) {
        self.name = name
        self.spec = spec
    }
}

public enum Distribution: String, Sendable, Equatable, CaseIterable {
    case normal, uniform
}

public enum DType: String, Sendable, Equatable, CaseIterable {
    case float32, float64
    /// Integer codes (labs 05–06): uniform integers in [low, high], both ends included.
    case int8, uint8
    /// float32 draws rounded to IEEE half (fp16 scales), sent as NumPy float16.
    case float16

    /// Whether the elements are integers drawn from [low, high].
    public var isInteger: Bool { self == .int8 || self == .uint8 }
}

/// Sizes of a randomly initialised GPT-2 (HF parameter names, Conv1D layout).
public struct GPT2Spec: Sendable, Equatable {
    public var nLayer: Int
    public var nHead: Int
    public var nEmbd: Int
    public var vocab: Int
    public var ctx: Int
    /// Also supply "lm_head.weight" as a matrix distinct from "wte.weight", the way an untied
    /// Hugging Face state dict would; a correct GPT-2 ignores it (its head is tied to wte).
    public var untiedHead: Bool
    /// The standard deviation of wte's and wpe's entries. A small one gives the first layer
    /// norm inputs of small variance, where eps added outside the square root shows.
    public var embeddingScale: Double

    public init(
        nLayer: Int, nHead: Int, nEmbd: Int, vocab: Int, ctx: Int, untiedHead: Bool = false,
        embeddingScale: Double = 0.5
    ) {
        self.nLayer = nLayer
        self.nHead = nHead
        self.nEmbd = nEmbd
        self.vocab = vocab
        self.ctx = ctx
        self.untiedHead = untiedHead
        self.embeddingScale = embeddingScale
    }
}

/// A JSON-like literal argument.
public indirect enum LabValue: Sendable, Equatable {
    case int(Int)
    case double(Double)
    case string(String)
    case bool(Bool)
    case array([LabValue])
}

/// How a test argument is made.
public enum InputSpec: Sendable, Equatable {
    /// Random tensor: normal → offset + scale·N(0, 1); uniform → offset + scale·U(low, high).
    case tensor(
        shape: [Int], dist: Distribution, scale: Double, offset: Double, dtype: DType,
        low: Double, high: Double)
    /// A literal value passed as is.
    case literal(LabValue)
    /// `count` random token ids in 0..<vocab.
    case ids(count: Int, vocab: Int)
    /// Causal bool mask [T, T], True on and below the diagonal.
    case causal(Int)
    /// A dict of a whole GPT-2's HF-named parameters.
    case gpt2(GPT2Spec)
    /// A dict of one transformer block's HF-named parameters ("ln_1.weight", …).
    case block(nEmbd: Int)
    /// A random weight matrix: scale·N(0, 1).
    case weight(shape: [Int], scale: Double)
    /// A file in the lab folder: .json → its parsed value, merges.txt → list of [a, b] pairs.
    case fixture(String)
    /// One uniform random number in [0, 1).
    case uniformScalar
}

extension Lab {
    /// Reads and validates `<folder>/lab.toml`; throws `LabError` listing every problem found.
    public static func load(folder: URL) throws -> Lab {
        let file = folder.appendingPathComponent(fileName)
        let text: String
        do {
            text = try String(contentsOf: file, encoding: .utf8)
        } catch {
            throw LabError.unreadable(file: file.path, reason: error.localizedDescription)
        }
        return try parse(toml: text, folder: folder, file: file.path)
    }

    /// Validates lab.toml text as if it were the file `file` inside `folder` (fixtures and the
    /// handout are looked up there, and `id` must equal the folder's name).
    public static func parse(toml text: String, folder: URL, file: String? = nil) throws -> Lab {
        let file = file ?? folder.appendingPathComponent(fileName).path
        let root: TOMLNode
        do {
            root = try TOMLNode.parse(text)
        } catch let problem as TOMLSyntaxProblem {
            throw LabError.notTOML(
                file: file, line: problem.line, column: problem.column, reason: problem.reason)
        } catch let error as TOMLParseError {
            throw LabError.notTOML(
                file: file, line: error.source.begin.line, column: error.source.begin.column,
                reason: error.description)
        }
        var reader = LabReader(file: file, folder: folder)
        let lab = reader.read(root)
        guard reader.problems.isEmpty, let lab else { throw LabError.invalid(reader.problems) }
        return lab
    }

    /// Loads every lab folder under `labsRoot` (skipping `harness`, `client` and hidden ones), sorted by
    /// id; throws one error listing the problems of every broken lab.
    public static func loadAll(labsRoot: URL) throws -> [Lab] {
        var labs: [Lab] = []
        var errors: [LabError] = []
        for folder in try LabsFolder.labFolders(labsRoot: labsRoot) {
            do {
                labs.append(try load(folder: folder))
            } catch let error as LabError {
                errors.append(error)
            }
        }
        if !errors.isEmpty { throw errors.count == 1 ? errors[0] : LabError.several(errors) }
        return labs.sorted { $0.id < $1.id }
    }
}

// MARK: - Reading

/// A Sendable copy of a parsed TOML document, so validation does not hold TOMLKit's classes.
public indirect enum TOMLNode: Sendable {
    case table([String: TOMLNode])
    case array([TOMLNode])
    case string(String)
    case int(Int)
    case double(Double)
    case bool(Bool)
    case dateTime(Date?)
    case other(String)

    init(_ value: TOMLValueConvertible) {
        switch value.type {
        case .table:
            var items: [String: TOMLNode] = [:]
            if let table = value.table {
                for key in table.keys {
                    if let child = table[key] { items[key] = TOMLNode(child) }
                }
            }
            self = .table(items)
        case .array:
            self = .array(value.array.map { $0.map { TOMLNode($0) } } ?? [])
        case .string: self = .string(value.string ?? "")
        case .int: self = .int(value.int ?? 0)
        case .double: self = .double(value.double ?? .nan)
        case .bool: self = .bool(value.bool ?? false)
        case .dateTime:
            if let dateTime = value.dateTime {
                var calendar = Calendar(identifier: .gregorian)
                calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
                let components = DateComponents(
                    year: dateTime.date.year, month: dateTime.date.month, day: dateTime.date.day,
                    hour: dateTime.time.hour, minute: dateTime.time.minute,
                    second: dateTime.time.second, nanosecond: dateTime.time.nanoSecond)
                if let offset = dateTime.offset, let local = calendar.date(from: components) {
                    self = .dateTime(local.addingTimeInterval(-Double(offset.offset) * 60))
                } else {
                    self = .dateTime(nil)  // a local date-time without an offset is ambiguous
                }
            } else {
                self = .dateTime(nil)
            }
        case .date: self = .other("a date without a time")
        case .time: self = .other("a time without a date")
        }
    }

    /// `text` as a TOML tree: the syntax check first (throwing TOMLSyntaxProblem), then toml++
    /// (throwing TOMLKit's TOMLParseError).
    public static func parse(_ text: String) throws -> TOMLNode {
        if let problem = TOMLSyntaxCheck.problem(in: text) { throw problem }
        return TOMLNode(try TOMLTable(string: text))
    }

    var kindName: String {
        switch self {
        case .table: return "a table"
        case .array: return "an array"
        case .string: return "a string"
        case .int: return "an integer"
        case .double: return "a float"
        case .bool: return "a boolean"
        case .dateTime: return "a date-time"
        case .other(let what): return what
        }
    }

    var number: Double? {
        switch self {
        case .int(let value): return Double(value)
        case .double(let value): return value
        default: return nil
        }
    }
}

/// Walks the TOML tree once, building the Lab and collecting every problem on the way.
struct LabReader {
    let file: String
    let folder: URL
    var problems: [LabProblem] = []

    init(file: String, folder: URL) {
        self.file = file
        self.folder = folder
    }

    mutating func problem(_ path: String, _ message: String) {
        problems.append(LabProblem(file: file, keyPath: path, message: message))
    }

    static let topKeys: Set<String> = [
        "id", "title", "version", "due", "late_due", "late_penalty", "counting", "entry",
        "rate_limit_per_hour", "handout", "limits", "components", "tests", "verify",
        "python", "framework",
    ]
    static let componentKeys: Set<String> = [
        "name", "args", "optional", "returns", "atol", "rtol", "summary",
    ]
    static let testKeys: Set<String> = [
        "name", "component", "points", "visibility", "seed", "time_seconds", "memory_mb",
        "inputs", "framework",
    ]

    mutating func read(_ root: TOMLNode) -> Lab? {
        guard case .table(let top) = root else { return nil }
        checkKeys(top, allowed: Self.topKeys, at: "")

        let id = string(top, "id", at: "") ?? ""
        if !id.isEmpty && id != folder.lastPathComponent {
            problem(
                "id",
                "is \"\(id)\" but the lab folder is \"\(folder.lastPathComponent)\"; they must be"
                    + " equal")
        }
        let title = string(top, "title", at: "") ?? ""
        let version = string(top, "version", at: "") ?? ""
        let due = date(top, "due", at: "", required: true)
        let lateDue = date(top, "late_due", at: "", required: false)
        if let due, let lateDue, lateDue < due {
            problem("late_due", "is before due; late_due must be on or after due")
        }
        var latePenalty = 0.0
        if let value = top["late_penalty"] {
            if let number = value.number, number >= 0, number <= 1 {
                latePenalty = number
            } else {
                problem(
                    "late_penalty", "must be a number between 0 and 1 (a fraction of the score)")
            }
        }
        var counting = Counting.best
        if let text = string(top, "counting", at: "", required: false) {
            if let parsed = Counting(rawValue: text) {
                counting = parsed
            } else {
                problem("counting", "is \"\(text)\"; use \"best\" or \"latest\"")
            }
        }
        let entry = string(top, "entry", at: "") ?? ""
        if !entry.isEmpty && !entry.hasSuffix(".py") {
            problem(
                "entry", "is \"\(entry)\"; it must name a Python module such as \"attention.py\"")
        }
        var rateLimit: Int?
        if let value = top["rate_limit_per_hour"] {
            if case .int(let number) = value, number > 0 {
                rateLimit = number
            } else {
                problem("rate_limit_per_hour", "must be a positive integer")
            }
        }
        let handout = string(top, "handout", at: "") ?? ""
        if !handout.isEmpty { checkFileExists(handout, at: "handout") }

        var limits = Limits()
        if let value = top["limits"] {
            if case .table(let table) = value {
                checkKeys(
                    table, allowed: ["time_seconds", "memory_mb", "submission_seconds"],
                    at: "limits")
                limits = readLimits(table, base: limits, at: "limits")
                if let value = table["submission_seconds"] {
                    if let number = value.number, number > 0, number.isFinite {
                        limits.submissionSeconds = number
                    } else {
                        problem("limits.submission_seconds", "must be a positive number of seconds")
                    }
                }
            } else {
                problem("limits", "must be a table ([limits]), not \(value.kindName)")
            }
        }

        let framework = readFramework(top, at: "", default: .numpy)
        let components = readComponents(top["components"])
        let tests = readTests(
            top["tests"], components: components, limits: limits, framework: framework)
        for component in components where !tests.contains(where: { $0.component == component.name })
        {
            problem(
                "components[\(components.firstIndex(of: component) ?? 0)]",
                "component \"\(component.name)\" has no tests; add at least one [[tests]]")
        }

        let verify = top["verify"].flatMap { readVerification($0) }
        let python = top["python"].flatMap { readPython($0, components: components) }

        guard let due else { return nil }
        return Lab(
            id: id, title: title, version: version, due: due, lateDue: lateDue,
            latePenalty: latePenalty, counting: counting, entry: entry,
            rateLimitPerHour: rateLimit, handout: handout, limits: limits,
            components: components, tests: tests, verify: verify, python: python, folder: folder,
            framework: framework)
    }

    /// `framework = "numpy" | "torch"`, lab-wide or in one test; `fallback` when absent.
    mutating func readFramework(
        _ table: [String: TOMLNode], at path: String, default fallback: Framework
    ) -> Framework {
        guard let text = string(table, "framework", at: path, required: false) else {
            return fallback
        }
        guard let framework = Framework(rawValue: text) else {
            problem(
                path.isEmpty ? "framework" : "\(path).framework",
                "is \"\(text)\"; use \"numpy\" (NumPy arrays) or \"torch\" (CPU torch.Tensor inputs)")
            return fallback
        }
        return framework
    }

    // MARK: Verification

    mutating func readVerification(_ node: TOMLNode) -> LabVerification? {
        guard case .table(let table) = node else {
            problem("verify", "must be a table ([verify]), not \(node.kindName)")
            return nil
        }
        checkKeys(table, allowed: ["kind", "schemes", "experiment"], at: "verify")
        let experiment = string(table, "experiment", at: "verify")
        let kinds = LabVerification.Kind.allCases.map { "\"\($0.rawValue)\"" }
        var kind: LabVerification.Kind?
        if let text = string(table, "kind", at: "verify") {
            kind = LabVerification.Kind(rawValue: text)
            if kind == nil {
                problem("verify.kind", "is \"\(text)\"; use \(kinds.joined(separator: " or "))")
            }
        }
        var schemes: [String] = []
        if let value = table["schemes"] {
            if case .array(let items) = value, !items.isEmpty {
                let known = LabVerification.quantizerSchemes
                for (index, item) in items.enumerated() {
                    guard case .string(let text) = item, known.contains(text) else {
                        problem(
                            "verify.schemes[\(index)]",
                            "must be one of \(known.map { "\"\($0)\"" }.joined(separator: ", "))"
                                + " (a student quantizer can be verified for these only)")
                        continue
                    }
                    if schemes.contains(text) {
                        problem("verify.schemes[\(index)]", "lists \"\(text)\" twice")
                    }
                    schemes.append(text)
                }
            } else {
                problem("verify.schemes", "must be a non-empty array such as [\"q8_0\", \"q4_0\"]")
            }
        }
        switch kind {
        case .quantizer? where table["schemes"] == nil:
            problem("verify.schemes", "is missing; a quantizer is verified per scheme, e.g. [\"q8_0\"]")
        case .adapter? where table["schemes"] != nil:
            problem("verify.schemes", "applies only to kind = \"quantizer\"")
        default:
            break
        }
        guard let kind, let experiment else { return nil }
        return LabVerification(kind: kind, schemes: schemes, experiment: experiment)
    }

    // MARK: Components

    mutating func readComponents(_ node: TOMLNode?) -> [LabComponent] {
        guard let node else {
            problem("components", "is missing; declare each student function as [[components]]")
            return []
        }
        guard case .array(let items) = node, !items.isEmpty else {
            problem("components", "must be a non-empty array of tables ([[components]])")
            return []
        }
        var components: [LabComponent] = []
        var seen: Set<String> = []
        for (index, item) in items.enumerated() {
            let path = "components[\(index)]"
            guard case .table(let table) = item else {
                problem(path, "must be a table, not \(item.kindName)")
                continue
            }
            checkKeys(table, allowed: Self.componentKeys, at: path)
            let name = string(table, "name", at: path) ?? ""
            if !name.isEmpty {
                if !isIdentifier(name) {
                    problem("\(path).name", "\"\(name)\" is not a Python function name")
                }
                if !seen.insert(name).inserted {
                    problem("\(path).name", "duplicate component name \"\(name)\"")
                }
            }
            let args = stringArray(table, "args", at: path) ?? []
            if Set(args).count != args.count {
                problem("\(path).args", "lists an argument twice")
            }
            let optional = stringArray(table, "optional", at: path, required: false) ?? []
            for arg in optional where !args.contains(arg) {
                problem("\(path).optional", "\"\(arg)\" is not one of args \(args)")
            }
            if !optional.isEmpty && Array(args.suffix(optional.count)) != optional {
                problem(
                    "\(path).optional",
                    "optional arguments must be the last ones of args, in the same order")
            }
            var returns = ReturnKind.tensor
            if let text = string(table, "returns", at: path, required: false) {
                if let kind = ReturnKind(rawValue: text) {
                    returns = kind
                } else {
                    let kinds = ReturnKind.allCases.map(\.rawValue).joined(separator: " | ")
                    problem("\(path).returns", "is \"\(text)\"; use one of \(kinds)")
                }
            }
            var atol = returns.isApproximate ? 1e-5 : 0
            var rtol = returns.isApproximate ? 1e-4 : 0
            for (key, slot) in [("atol", 0), ("rtol", 1)] {
                guard let value = table[key] else { continue }
                guard let number = value.number, number >= 0, number.isFinite else {
                    problem("\(path).\(key)", "must be a non-negative number")
                    continue
                }
                if slot == 0 { atol = number } else { rtol = number }
            }
            let summary = string(table, "summary", at: path, required: false) ?? ""
            components.append(
                LabComponent(
                    name: name, args: args, optionalArgs: optional, returns: returns, atol: atol,
                    rtol: rtol, summary: summary))
        }
        return components
    }

    // MARK: Tests

    mutating func readTests(
        _ node: TOMLNode?, components: [LabComponent], limits: Limits, framework: Framework
    ) -> [LabTest] {
        guard let node else {
            problem("tests", "is missing; a lab needs at least one [[tests]]")
            return []
        }
        guard case .array(let items) = node, !items.isEmpty else {
            problem("tests", "must be a non-empty array of tables ([[tests]])")
            return []
        }
        var tests: [LabTest] = []
        var seen: Set<String> = []
        for (index, item) in items.enumerated() {
            let path = "tests[\(index)]"
            guard case .table(let table) = item else {
                problem(path, "must be a table, not \(item.kindName)")
                continue
            }
            checkKeys(table, allowed: Self.testKeys, at: path)
            let name = string(table, "name", at: path) ?? ""
            if !name.isEmpty && !seen.insert(name).inserted {
                problem("\(path).name", "duplicate test name \"\(name)\"")
            }
            let componentName = string(table, "component", at: path) ?? ""
            let component = components.first { $0.name == componentName }
            if !componentName.isEmpty && component == nil {
                let known = components.map(\.name).joined(separator: ", ")
                problem(
                    "\(path).component",
                    "unknown component \"\(componentName)\"; declared components: \(known)")
            }
            var points = 0.0
            if let value = table["points"] {
                if let number = value.number, number.isFinite, number >= 0 {
                    points = number
                } else if let number = value.number, number < 0 {
                    problem("\(path).points", "is \(number); points must not be negative")
                } else {
                    problem("\(path).points", "must be a number, not \(value.kindName)")
                }
            } else {
                problem("\(path).points", "is missing")
            }
            var visibility = Visibility.hidden
            if let text = string(table, "visibility", at: path) {
                if let parsed = Visibility(rawValue: text) {
                    visibility = parsed
                } else {
                    problem(
                        "\(path).visibility",
                        "unknown visibility \"\(text)\"; use visible, hidden or after_due")
                }
            }
            var seed: UInt64?
            if let value = table["seed"] {
                if case .int(let number) = value, number >= 0 {
                    seed = UInt64(number)
                } else {
                    problem("\(path).seed", "must be a non-negative integer")
                }
            } else if visibility == .visible {
                problem(
                    "\(path).seed",
                    "a visible test needs a fixed seed so students can reproduce it; add seed = N")
            }
            let testLimits = readLimits(table, base: limits, at: path)
            var inputs: [LabInput] = []
            if let component {
                inputs = readInputs(table["inputs"], component: component, at: "\(path).inputs")
            }
            checkModelConsistency(inputs, at: "\(path).inputs")
            checkMemory(inputs, limits: testLimits, at: "\(path).inputs")
            tests.append(
                LabTest(
                    name: name, component: componentName, points: points, visibility: visibility,
                    seed: seed, limits: testLimits, inputs: inputs,
                    framework: readFramework(table, at: path, default: framework)))
        }
        return tests
    }

    /// A case must fit in the test's memory limit (CaseMemory counts its inputs and what is
    /// computed from them), or generating it would abort the grader before the sandbox starts.
    mutating func checkMemory(_ inputs: [LabInput], limits: Limits, at path: String) {
        let (limit, huge) = limits.memoryMB.multipliedReportingOverflow(by: 1 << 20)
        if huge { return }
        let needed = CaseMemory.bytes(inputs)
        guard let needed, needed <= limit else {
            let amount = needed.map { "about \($0 >> 20) MiB" } ?? "more memory than a machine has"
            problem(
                path,
                "a case of these inputs needs \(amount) (inputs and results, as float64), over"
                    + " the test's memory limit of \(limits.memoryMB) MiB (memory_mb); use"
                    + " smaller shapes")
            return
        }
    }

    /// A generated model and the other arguments of the same call must fit together, or the
    /// reference itself would fail: ids inside the vocabulary and context, matching head counts.
    mutating func checkModelConsistency(_ inputs: [LabInput], at path: String) {
        var nHeadLiteral: Int?
        var nNew = 0
        for input in inputs {
            if input.name == "n_head", case .literal(.int(let value)) = input.spec {
                nHeadLiteral = value
            }
            if input.name == "n_new", case .literal(.int(let value)) = input.spec { nNew = value }
        }
        for input in inputs {
            switch input.spec {
            case .gpt2(let model):
                if let nHead = nHeadLiteral, nHead != model.nHead {
                    problem(
                        "\(path).n_head",
                        "is \(nHead) but \(input.name) is a GPT-2 with n_head = \(model.nHead)")
                }
                for other in inputs {
                    guard case .ids(let count, let vocab) = other.spec else { continue }
                    if vocab > model.vocab {
                        problem(
                            "\(path).\(other.name)",
                            "ids drawn from \(vocab) values but the model's vocab is \(model.vocab)"
                        )
                    }
                    if count + nNew > model.ctx {
                        problem(
                            "\(path).\(other.name)",
                            "\(count) ids (+ \(nNew) generated) exceed the model's ctx \(model.ctx)"
                        )
                    }
                }
            case .block(let nEmbd):
                if let nHead = nHeadLiteral, nHead < 1 || nEmbd % nHead != 0 {
                    problem("\(path).n_head", "\(nHead) heads do not divide n_embd \(nEmbd)")
                }
            default:
                break
            }
        }
    }

    mutating func readLimits(_ table: [String: TOMLNode], base: Limits, at path: String) -> Limits {
        var limits = base
        let prefix = path.isEmpty ? "" : "\(path)."
        if let value = table["time_seconds"] {
            if let number = value.number, number > 0, number.isFinite {
                limits.timeSeconds = number
            } else {
                problem("\(prefix)time_seconds", "must be a positive number of seconds")
            }
        }
        if let value = table["memory_mb"] {
            if case .int(let number) = value, number > 0 {
                limits.memoryMB = number
            } else {
                problem("\(prefix)memory_mb", "must be a positive integer (megabytes)")
            }
        }
        return limits
    }

    // MARK: Inputs

    mutating func readInputs(_ node: TOMLNode?, component: LabComponent, at path: String)
        -> [LabInput]
    {
        var table: [String: TOMLNode] = [:]
        if let node {
            guard case .table(let items) = node else {
                problem(path, "must be a table ([tests.inputs]), not \(node.kindName)")
                return []
            }
            table = items
        }
        for key in table.keys.sorted() where !component.args.contains(key) {
            problem(
                "\(path).\(key)",
                "\"\(component.name)\" has no argument \"\(key)\"; its args are "
                    + "\(component.args)")
        }
        let missing = component.args.filter { table[$0] == nil }
        let required = missing.filter { !component.optionalArgs.contains($0) }
        if !required.isEmpty {
            problem(
                path,
                "args not covered by inputs: \(required.joined(separator: ", ")); give every "
                    + "argument of \"\(component.name)\" a value")
        }
        // An omitted optional argument may only be followed by omitted ones (positional call).
        if let firstGap = component.args.firstIndex(where: { table[$0] == nil }),
            component.args[firstGap...].contains(where: { table[$0] != nil }),
            required.isEmpty
        {
            problem(
                path,
                "omits \"\(component.args[firstGap])\" but gives a later argument; only trailing "
                    + "optional arguments may be left out")
        }
        var inputs: [LabInput] = []
        for arg in component.args {
            guard let value = table[arg] else { continue }
            if let spec = readSpec(value, at: "\(path).\(arg)") {
                inputs.append(LabInput(name: arg, spec: spec))
            }
        }
        return inputs
    }

    static let specKinds = [
        "tensor", "ids", "causal", "gpt2", "block", "weight", "fixture", "uniform_scalar",
    ]

    mutating func readSpec(_ node: TOMLNode, at path: String) -> InputSpec? {
        guard case .table(let table) = node else {
            guard let literal = literal(node, at: path) else { return nil }
            return .literal(literal)
        }
        let kinds = Self.specKinds.filter { table[$0] != nil }
        guard kinds.count == 1, let kind = kinds.first else {
            problem(
                path,
                kinds.isEmpty
                    ? "a table input needs one of \(Self.specKinds.joined(separator: ", "))"
                    : "gives several input kinds (\(kinds.joined(separator: ", "))); use one")
            return nil
        }
        let value = table[kind] ?? .bool(false)
        switch kind {
        case "tensor":
            checkKeys(
                table, allowed: ["tensor", "dist", "scale", "offset", "dtype", "low", "high"],
                at: path)
            guard let shape = shape(value, at: "\(path).tensor") else { return nil }
            var dist = Distribution.normal
            if let text = string(table, "dist", at: path, required: false) {
                if let parsed = Distribution(rawValue: text) {
                    dist = parsed
                } else {
                    problem("\(path).dist", "is \"\(text)\"; use \"normal\" or \"uniform\"")
                }
            }
            var dtype = DType.float32
            if let text = string(table, "dtype", at: path, required: false) {
                if let parsed = DType(rawValue: text) {
                    dtype = parsed
                } else {
                    problem(
                        "\(path).dtype",
                        "is \"\(text)\"; use "
                            + DType.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))
                }
            }
            if dtype.isInteger {
                let (lo, hi) = dtype == .int8 ? (-128.0, 127.0) : (0.0, 255.0)
                let low = number(table, "low", at: path) ?? 0
                let high = number(table, "high", at: path) ?? 1
                if table["dist"] == nil || low != low.rounded() || high != high.rounded()
                    || low < lo || high > hi || low > high
                {
                    problem(
                        path,
                        "an \(dtype.rawValue) tensor needs dist = \"uniform\" and integer low <= "
                            + "high within [\(Int(lo)), \(Int(hi))]")
                }
            }
            let scale = number(table, "scale", at: path) ?? 1
            let offset = number(table, "offset", at: path) ?? 0
            let low = number(table, "low", at: path) ?? 0
            let high = number(table, "high", at: path) ?? 1
            if dist == .uniform && !(low < high) && !dtype.isInteger {
                problem(path, "uniform tensor needs low < high (got \(low), \(high))")
            }
            if dist == .normal && (table["low"] != nil || table["high"] != nil) {
                problem(path, "low/high apply only to dist = \"uniform\"")
            }
            return .tensor(
                shape: shape, dist: dist, scale: scale, offset: offset, dtype: dtype, low: low,
                high: high)
        case "ids":
            checkKeys(table, allowed: ["ids", "vocab"], at: path)
            guard case .int(let count) = value, count >= 1 else {
                problem("\(path).ids", "must be a positive integer (how many ids)")
                return nil
            }
            guard case .int(let vocab)? = table["vocab"], vocab >= 1 else {
                problem(
                    "\(path).vocab", "must be a positive integer (ids are drawn from 0..<vocab)")
                return nil
            }
            return .ids(count: count, vocab: vocab)
        case "causal":
            checkKeys(table, allowed: ["causal"], at: path)
            guard case .int(let size) = value, size >= 1 else {
                problem("\(path).causal", "must be a positive integer T (mask is [T, T])")
                return nil
            }
            return .causal(size)
        case "gpt2":
            checkKeys(table, allowed: ["gpt2"], at: path)
            guard case .table(let config) = value else {
                problem("\(path).gpt2", "must be a table { n_layer, n_head, n_embd, vocab, ctx }")
                return nil
            }
            let subpath = "\(path).gpt2"
            checkKeys(
                config,
                allowed: [
                    "n_layer", "n_head", "n_embd", "vocab", "ctx", "untied_head",
                    "embedding_scale",
                ], at: subpath)
            let sizes = ["n_layer", "n_head", "n_embd", "vocab", "ctx"].map {
                positiveInt(config, $0, at: subpath)
            }
            var untied = false
            if let flag = config["untied_head"] {
                if case .bool(let value) = flag {
                    untied = value
                } else {
                    problem("\(subpath).untied_head", "must be true or false")
                }
            }
            var embeddingScale = 0.5
            if let value = config["embedding_scale"] {
                if let number = value.number, number > 0, number.isFinite {
                    embeddingScale = number
                } else {
                    problem("\(subpath).embedding_scale", "must be a positive number")
                }
            }
            guard let nLayer = sizes[0], let nHead = sizes[1], let nEmbd = sizes[2],
                let vocab = sizes[3], let ctx = sizes[4]
            else { return nil }
            if nEmbd % nHead != 0 {
                problem(subpath, "n_embd (\(nEmbd)) must be divisible by n_head (\(nHead))")
            }
            return .gpt2(
                GPT2Spec(
                    nLayer: nLayer, nHead: nHead, nEmbd: nEmbd, vocab: vocab, ctx: ctx,
                    untiedHead: untied, embeddingScale: embeddingScale))
        case "block":
            checkKeys(table, allowed: ["block"], at: path)
            guard case .table(let config) = value else {
                problem("\(path).block", "must be a table { n_embd = N }")
                return nil
            }
            checkKeys(config, allowed: ["n_embd"], at: "\(path).block")
            guard let nEmbd = positiveInt(config, "n_embd", at: "\(path).block") else { return nil }
            return .block(nEmbd: nEmbd)
        case "weight":
            checkKeys(table, allowed: ["weight", "scale"], at: path)
            guard let shape = shape(value, at: "\(path).weight") else { return nil }
            return .weight(shape: shape, scale: number(table, "scale", at: path) ?? 0.02)
        case "fixture":
            checkKeys(table, allowed: ["fixture"], at: path)
            guard case .string(let name) = value, !name.isEmpty else {
                problem("\(path).fixture", "must be a file name in the lab folder")
                return nil
            }
            checkFileExists(name, at: "\(path).fixture")
            return .fixture(name)
        default:  // uniform_scalar
            checkKeys(table, allowed: ["uniform_scalar"], at: path)
            guard case .bool(true) = value else {
                problem("\(path).uniform_scalar", "must be true")
                return nil
            }
            return .uniformScalar
        }
    }

    mutating func literal(_ node: TOMLNode, at path: String) -> LabValue? {
        switch node {
        case .int(let value): return .int(value)
        case .double(let value):
            guard value.isFinite else {
                problem(path, "literal floats must be finite")
                return nil
            }
            return .double(value)
        case .string(let value): return .string(value)
        case .bool(let value): return .bool(value)
        case .array(let items):
            var values: [LabValue] = []
            for (index, item) in items.enumerated() {
                guard let value = literal(item, at: "\(path)[\(index)]") else { return nil }
                values.append(value)
            }
            return .array(values)
        default:
            problem(path, "\(node.kindName) cannot be a literal argument")
            return nil
        }
    }

    // MARK: Small readers

    mutating func checkKeys(_ table: [String: TOMLNode], allowed: Set<String>, at path: String) {
        for key in table.keys.sorted() where !allowed.contains(key) {
            let place = path.isEmpty ? key : "\(path).\(key)"
            problem(
                place, "unknown key; expected one of \(allowed.sorted().joined(separator: ", "))")
        }
    }

    mutating func string(
        _ table: [String: TOMLNode], _ key: String, at path: String, required: Bool = true
    ) -> String? {
        let place = path.isEmpty ? key : "\(path).\(key)"
        guard let value = table[key] else {
            if required { problem(place, "is missing") }
            return nil
        }
        guard case .string(let text) = value, !text.isEmpty else {
            problem(place, "must be a non-empty string, not \(value.kindName)")
            return nil
        }
        return text
    }

    mutating func stringArray(
        _ table: [String: TOMLNode], _ key: String, at path: String, required: Bool = true
    ) -> [String]? {
        let place = "\(path).\(key)"
        guard let value = table[key] else {
            if required { problem(place, "is missing") }
            return nil
        }
        guard case .array(let items) = value else {
            problem(place, "must be an array of strings, not \(value.kindName)")
            return nil
        }
        var strings: [String] = []
        for (index, item) in items.enumerated() {
            guard case .string(let text) = item, isIdentifier(text) else {
                problem("\(place)[\(index)]", "must be a Python argument name")
                return nil
            }
            strings.append(text)
        }
        return strings
    }

    mutating func number(_ table: [String: TOMLNode], _ key: String, at path: String) -> Double? {
        guard let value = table[key] else { return nil }
        guard let number = value.number, number.isFinite else {
            problem("\(path).\(key)", "must be a finite number, not \(value.kindName)")
            return nil
        }
        return number
    }

    mutating func positiveInt(_ table: [String: TOMLNode], _ key: String, at path: String) -> Int? {
        guard case .int(let value)? = table[key], value >= 1 else {
            problem(
                "\(path).\(key)", table[key] == nil ? "is missing" : "must be a positive integer")
            return nil
        }
        return value
    }

    mutating func shape(_ node: TOMLNode, at path: String) -> [Int]? {
        guard case .array(let items) = node else {
            problem(path, "must be a shape such as [4, 7], not \(node.kindName)")
            return nil
        }
        var dims: [Int] = []
        for item in items {
            guard case .int(let dim) = item, dim >= 1 else {
                problem(path, "every dimension must be a positive integer")
                return nil
            }
            dims.append(dim)
        }
        return dims
    }

    mutating func date(_ table: [String: TOMLNode], _ key: String, at path: String, required: Bool)
        -> Date?
    {
        guard let value = table[key] else {
            if required { problem(key, "is missing") }
            return nil
        }
        switch value {
        case .string(let text):
            let formatter = ISO8601DateFormatter()
            if let date = formatter.date(from: text) { return date }
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            if let date = formatter.date(from: text) { return date }
        case .dateTime(let date?):
            return date
        default:
            break
        }
        problem(key, "must be an RFC 3339 date-time with a zone, e.g. \"2026-12-14T23:59:00Z\"")
        return nil
    }

    mutating func checkFileExists(_ name: String, at path: String) {
        let isPlain = !name.contains("/") && !name.hasPrefix(".")
        let url = folder.appendingPathComponent(name)
        if !isPlain {
            problem(path, "\"\(name)\" must be a plain file name inside the lab folder")
        } else if !FileManager.default.fileExists(atPath: url.path) {
            problem(path, "file \"\(name)\" is missing from \(folder.path)")
        }
    }

    func isIdentifier(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, first == "_" || first.properties.isAlphabetic
        else { return false }
        return text.unicodeScalars.allSatisfy {
            $0 == "_" || $0.properties.isAlphabetic || ("0"..."9").contains($0)
        }
    }
}
