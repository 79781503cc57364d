// A lab's instructor-authored Python, run in its own sandboxed harness session: a folder holding
// only the lab's .py files and the bridge (labs/harness/instructor.py), never a student's file.
// It computes expected values (twice, to catch non-determinism; cached per test and seed) and
// the outputs of mistakes.py's mistakes for diagnosis. Student code never sees these values.
import Foundation
import Harness
import Diagnosis
import LabConfig

/// One mistake of mistakes.py.
public struct PythonMistake: Sendable, Equatable {
    public var id: String
    public var component: String
    public var title: String
    public var hint: String
    /// The Python function's name, for messages.
    public var function: String
    /// Its position in MISTAKES (how the bridge calls it).
    var index: Int
}

/// The instructor session of one lab (one version of its files).
public final class InstructorCode: @unchecked Sendable {
    public let lab: Lab
    let session: HarnessSession
    let folder: URL
    private let lock = NSLock()
    private var loaded: (mistakes: [PythonMistake], problems: [InstructorCodeError])?
    private var cache: [String: GradedValue] = [:]

    var referenceFile: String { lab.python?.reference ?? LabPython.defaultReference }
    var mistakesFile: String { lab.python?.mistakes ?? LabPython.defaultMistakes }

    /// Stages the lab's .py files and the bridge in a folder of their own.
    init(lab: Lab, configuration: HarnessConfiguration) throws {
        self.lab = lab
        let fm = FileManager.default
        let folder = fm.temporaryDirectory.appendingPathComponent("lmlab-instructor-\(UUID().uuidString)")
        do {
            try fm.createDirectory(at: folder, withIntermediateDirectories: true)
            // The lab's own .py files (reference, mistakes, their helpers), never the starter
            // named like a student's entry module.
            for file in try fm.contentsOfDirectory(atPath: lab.folder.path)
            where file.hasSuffix(".py") && file != lab.entry {
                try fm.copyItem(at: lab.folder.appendingPathComponent(file),
                                to: folder.appendingPathComponent(file))
            }
            try fm.copyItem(
                at: configuration.sandbox.harnessDirectory.appendingPathComponent("instructor.py"),
                to: folder.appendingPathComponent(Self.bridge))
            // The file names, read by the bridge on every (re)start of its runner.
            let files: [String: String?] = ["reference": lab.python?.reference,
                                            "mistakes": lab.python?.mistakes]
            try JSONSerialization.data(withJSONObject: files.mapValues { $0 ?? NSNull() as Any })
                .write(to: folder.appendingPathComponent("lmlab_instructor.json"))
        } catch {
            throw InstructorCodeError.session(file: lab.folder.path, reason: "\(error)")
        }
        self.folder = folder
        session = HarnessSession(submission: folder, entry: Self.bridge, configuration: configuration)
    }

    deinit {
        session.close()
        try? FileManager.default.removeItem(at: folder)
    }

    static let bridge = "lmlab_instructor.py"

    private func path(_ file: String) -> String { "labs/\(lab.id)/\(file)" }

    /// Starts the session, imports the files and checks every signature and the catalogue.
    /// Returns the usable mistakes and every problem found (empty when all is well).
    public func load() -> (mistakes: [PythonMistake], problems: [InstructorCodeError]) {
        lock.withLock {
            if let loaded { return loaded }
            let result = loadLocked()
            // A session that could not start (a loaded machine) is tried again next time.
            if !result.problems.contains(where: { if case .session = $0 { true } else { false } }) {
                loaded = result
            }
            return result
        }
    }

    /// Like `load`, but throws the first problem: nothing of the lab is graded until it is fixed.
    @discardableResult
    public func prepare() throws -> [PythonMistake] {
        let (mistakes, problems) = load()
        if let first = problems.first { throw first }
        return mistakes
    }

    private func loadLocked() -> (mistakes: [PythonMistake], problems: [InstructorCodeError]) {
        let python = lab.python ?? LabPython()
        do {
            try session.start()
            let files = [python.reference, python.mistakes].map { file -> HarnessValue in
                .json(file.map { JSONValue.string($0) } ?? .null)
            }
            _ = try callBridge("lmlab_load", files,
                               file: python.reference ?? mistakesFile, function: "import", test: "-")
        } catch let error as InstructorCodeError {
            return ([], [error])
        } catch {
            return ([], [.session(file: path(referenceFile), reason: "\(error)")])
        }
        var problems: [InstructorCodeError] = []
        for name in python.components {
            guard let component = lab.component(named: name) else { continue }
            do {
                let got = try callBridge("lmlab_reference_signature", [.json(.string(name))],
                                         file: referenceFile, function: name, test: "-")
                guard let parameters = got.stringList else {
                    problems.append(.missingFunction(file: path(referenceFile), function: name))
                    continue
                }
                if parameters != component.args {
                    problems.append(.signatureMismatch(file: path(referenceFile), function: name,
                                                       expected: component.args, got: parameters))
                }
            } catch let error as InstructorCodeError { problems.append(error) } catch {}
        }
        var mistakes: [PythonMistake] = []
        guard python.mistakes != nil else { return (mistakes, problems) }
        let file = path(mistakesFile)
        let entries: GradedValue
        do {
            entries = try callBridge("lmlab_catalogue", [], file: mistakesFile, function: "MISTAKES",
                                     test: "-")
        } catch let error as InstructorCodeError {
            return (mistakes, problems + [error])
        } catch { return (mistakes, problems) }
        guard case .list(let items) = entries else { return (mistakes, problems) }
        var seen = Set(mistakeCatalogue.map(\.id))
        for (index, item) in items.enumerated() {
            guard case .dict(let d) = item else { continue }
            if case .text(let problem)? = d["problem"] {
                problems.append(.badMistake(file: file, message: problem))
                continue
            }
            guard case .text(let id)? = d["id"], case .text(let component)? = d["component"],
                case .text(let title)? = d["title"], case .text(let hint)? = d["hint"],
                case .text(let function)? = d["function"], let parameters = d["parameters"]?.stringList
            else { continue }
            guard seen.insert(id).inserted else {
                problems.append(.duplicateMistake(file: file, id: id))
                continue
            }
            guard let declared = lab.component(named: component) else {
                problems.append(.unknownComponent(file: file, mistake: id, component: component))
                continue
            }
            if parameters != declared.args {
                problems.append(.signatureMismatch(file: file, function: function,
                                                   expected: declared.args, got: parameters))
                continue
            }
            mistakes.append(PythonMistake(id: id, component: component, title: title, hint: hint,
                                          function: function, index: index))
        }
        return (mistakes, problems)
    }

    /// The expected value of `test` on `args` (generated from `seed`): reference.py's function,
    /// run twice on the same inputs, of the kind lab.toml declares. Cached per test and seed.
    public func expected(test: LabTest, args: CaseArguments, seed: UInt64) throws -> GradedValue {
        try prepare()
        let key = "\(test.name)#\(seed)"
        if let hit = lock.withLock({ cache[key] }) { return hit }
        let call: [HarnessValue] = [.json(.string(test.component))] + harnessArguments(args)
        let file = path(referenceFile)
        let first = try callBridge("lmlab_reference", call, file: file, function: test.component,
                                   test: test.name, timeout: test.limits.timeSeconds)
        let second = try callBridge("lmlab_reference", call, file: file, function: test.component,
                                    test: test.name, timeout: test.limits.timeSeconds)
        guard first == second else {
            throw InstructorCodeError.nonDeterministic(file: file, function: test.component,
                                                       test: test.name)
        }
        if let component = lab.component(named: test.component), !first.conforms(to: component.returns) {
            throw InstructorCodeError.wrongKind(
                file: file, function: test.component, test: test.name,
                expected: component.returns.valueDescription, got: first.typeDescription)
        }
        lock.withLock { cache[key] = first }
        return first
    }

    /// A mistake's output on a case; its errors are the instructor's (labs validate shows them).
    public func output(of mistake: PythonMistake, args: CaseArguments, test: String,
                       timeout: Double) throws -> GradedValue
    {
        try callBridge("lmlab_mistake", [.json(.int(mistake.index))] + harnessArguments(args),
                       file: path(mistakesFile), function: mistake.function, test: test,
                       timeout: timeout)
    }

    /// mistakes.py's mistakes as catalogue entries for `diagnose`.
    public var catalogue: [Mistake] {
        let timeout = lab.limits.timeSeconds
        return load().mistakes.map { m in
            Mistake(pythonID: m.id, title: m.title, component: m.component, hint: m.hint,
                    output: { [self] _, args in
                        // A mistake that raises says nothing about the answer.
                        try? output(of: m, args: args, test: "-", timeout: timeout)
                    })
        }
    }

    private func harnessArguments(_ args: CaseArguments) -> [HarnessValue] {
        args.names.compactMap { args[$0]?.harnessValue }
    }

    private func callBridge(_ function: String, _ args: [HarnessValue], file: String,
                            function name: String, test: String, timeout: Double = 10) throws
        -> GradedValue
    {
        switch session.call(function, args: args, timeout: timeout) {
        case .value(let value, _):
            return GradedValue(value)
        case .studentError(let error):
            var text = "\(error.type): \(error.message)"
            if !error.traceback.isEmpty { text += "\n\(error.traceback)" }
            throw InstructorCodeError.raised(file: file, function: name, test: test, error: text)
        case .timeout(let seconds):
            throw InstructorCodeError.timedOut(file: file, function: name, test: test,
                                               seconds: seconds)
        case .crashed(let status, let tail):
            throw InstructorCodeError.crashed(file: file, function: name, test: test,
                                              detail: tail.isEmpty ? status : "\(status)\n\(tail)")
        case .memoryExceeded(let detail):
            throw InstructorCodeError.crashed(file: file, function: name, test: test,
                                              detail: "out of memory: \(detail)")
        case .interrupted(let status):
            // Killed from outside, not by the instructor's code: the grading is retried.
            throw GradingError.interrupted(
                "the instructor's session was killed from outside (\(status)) while running "
                    + "\(name) for \(test)")
        }
    }

    // MARK: - One warm session per lab

    private static let registryLock = NSLock()
    nonisolated(unsafe) private static var registry: [String: (Data, InstructorCode)] = [:]

    /// The lab's instructor session, shared by every grader of the same lab files and isolation
    /// in this process (it never holds student code, so it is reused across submissions).
    public static func shared(lab: Lab, configuration: HarnessConfiguration) throws
        -> InstructorCode
    {
        var contents = Data(lab.version.utf8)
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: lab.folder.path)) ?? [])
            .filter { $0.hasSuffix(".py") || $0 == Lab.fileName }.sorted()
        for file in files {
            contents.append(Data(file.utf8))
            contents.append((try? Data(contentsOf: lab.folder.appendingPathComponent(file))) ?? Data())
        }
        let key = "\(lab.folder.standardizedFileURL.path)|\(configuration.isolation)"
        return try registryLock.withLock {
            if let entry = registry[key], entry.0 == contents { return entry.1 }
            let code = try InstructorCode(lab: lab, configuration: configuration)
            registry[key] = (contents, code)
            return code
        }
    }
}

extension GradedValue {
    /// A list of strings (the bridge's parameter lists), or nil.
    var stringList: [String]? {
        guard case .list(let items) = self else { return nil }
        let strings = items.compactMap { item -> String? in
            if case .text(let s) = item { return s }
            return nil
        }
        return strings.count == items.count ? strings : nil
    }

    /// Whether a reference's value has the kind lab.toml's `returns` declares.
    func conforms(to kind: ReturnKind) -> Bool {
        switch (kind, self) {
        case (.tensor, .array(let a)): return !a.shape.isEmpty
        case (.float, .float), (.float, .int): return true
        case (.float, .array(let a)): return a.count == 1 && a.kind != .bool
        case (.int, .int): return true
        case (.int, .array(let a)): return a.count == 1 && a.kind == .int
        case (.ids, .array(let a)): return a.shape.count == 1 && a.kind == .int
        case (.ids, .list(let items)):
            return items.allSatisfy { if case .int = $0 { return true } else { return false } }
        case (.text, .text), (.mapping, .dict): return true
        case (.strings, .list): return stringList != nil
        default: return false
        }
    }
}

extension ReturnKind {
    /// What a value of this kind is, for messages.
    var valueDescription: String {
        switch self {
        case .tensor: return "returns = \"tensor\" (an array with at least one axis)"
        case .ids: return "returns = \"ids\" (a list of ints)"
        case .int: return "returns = \"int\""
        case .float: return "returns = \"float\""
        case .text: return "returns = \"text\" (a str)"
        case .mapping: return "returns = \"mapping\" (a dict)"
        case .strings: return "returns = \"strings\" (a list of str)"
        }
    }
}
