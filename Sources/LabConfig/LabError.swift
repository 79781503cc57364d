// What can be wrong with a lab folder or its lab.toml: every problem names the file, the key path
// and what to fix, and loading reports all of them at once so an instructor fixes them in one go.
import Foundation

/// One problem found while reading a lab.toml, e.g. `tests[3].inputs.x: expected …`.
public struct LabProblem: Sendable, Equatable, CustomStringConvertible {
    /// The file the problem is in (a path).
    public var file: String
    /// Where in the file: `due`, `components[2].rtol`, `tests[3].inputs.x`; "" for the whole file.
    public var keyPath: String
    /// What is wrong and what to do about it.
    public var message: String

    public init(file: String, keyPath: String, message: String) {
        self.file = file
        self.keyPath = keyPath
        self.message = message
    }

    public var description: String {
        keyPath.isEmpty ? "\(file): \(message)" : "\(file): \(keyPath): \(message)"
    }
}

public enum LabError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file could not be read at all.
    case unreadable(file: String, reason: String)
    /// The file is not valid TOML.
    case notTOML(file: String, line: Int, column: Int, reason: String)
    /// The file is TOML but breaks the lab.toml schema; every problem found is listed.
    case invalid([LabProblem])
    /// Several labs failed to load (from `Lab.loadAll`).
    case several([LabError])

    /// Every schema problem inside this error (flattening `several`).
    public var problems: [LabProblem] {
        switch self {
        case .unreadable(let file, let reason):
            return [LabProblem(file: file, keyPath: "", message: "cannot read: \(reason)")]
        case .notTOML(let file, let line, let column, let reason):
            return [
                LabProblem(
                    file: file, keyPath: "",
                    message: "not valid TOML at line \(line), column \(column): \(reason)")
            ]
        case .invalid(let problems):
            return problems
        case .several(let errors):
            return errors.flatMap(\.problems)
        }
    }

    public var description: String {
        let problems = self.problems
        let header =
            problems.count == 1
            ? "lab configuration problem:" : "\(problems.count) lab configuration problems:"
        return ([header] + problems.map { "  - \($0)" }).joined(separator: "\n")
    }
}
