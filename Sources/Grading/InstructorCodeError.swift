// What can be wrong with a lab's instructor-authored Python (reference.py, mistakes.py). These
// are the instructor's to fix: they stop grading of the lab and never become a student's score.

import Diagnosis

public enum InstructorCodeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// reference.py has no function for a component lab.toml's [python] names.
    case missingFunction(file: String, function: String)
    /// A function's parameters differ from the component's args in lab.toml.
    case signatureMismatch(file: String, function: String, expected: [String], got: [String])
    /// Two mistakes (or a mistake and a built-in one) share an id.
    case duplicateMistake(file: String, id: String)
    /// A MISTAKES entry lmlab cannot use.
    case badMistake(file: String, message: String)
    /// A mistake for a component the lab does not have.
    case unknownComponent(file: String, mistake: String, component: String)
    case raised(file: String, function: String, test: String, error: String)
    case timedOut(file: String, function: String, test: String, seconds: Double)
    case crashed(file: String, function: String, test: String, detail: String)
    /// The value is not of the kind lab.toml's `returns` declares (or not its shape).
    case wrongKind(file: String, function: String, test: String, expected: String, got: String)
    /// Two runs on the same seeded inputs gave different values.
    case nonDeterministic(file: String, function: String, test: String)
    /// The instructor's session could not start.
    case session(file: String, reason: String)

    public var description: String {
        switch self {
        case .missingFunction(let file, let function):
            return "\(file): no function \(function) — lab.toml's [python] components name it; "
                + "define def \(function)(…) with the component's args, or remove it there"
        case .signatureMismatch(let file, let function, let expected, let got):
            return "\(file): \(function)(\(got.joined(separator: ", "))) must take the "
                + "component's args in lab.toml's order: (\(expected.joined(separator: ", ")))"
        case .duplicateMistake(let file, let id):
            return "\(file): mistake id \"\(id)\" is used twice (or is a built-in mistake's id); "
                + "give each mistake its own id"
        case .badMistake(let file, let message):
            return "\(file): \(message)"
        case .unknownComponent(let file, let mistake, let component):
            return "\(file): mistake \"\(mistake)\" is for component \"\(component)\", which "
                + "lab.toml does not declare"
        case .raised(let file, let function, let test, let error):
            return "\(file): \(function) raised on test \(test): \(error)"
        case .timedOut(let file, let function, let test, let seconds):
            return "\(file): \(function) gave no answer within \(formatNumber(seconds)) s on test "
                + "\(test) (the test's time limit)"
        case .crashed(let file, let function, let test, let detail):
            return "\(file): Python stopped while running \(function) on test \(test): \(detail)"
        case .wrongKind(let file, let function, let test, let expected, let got):
            return "\(file): \(function) returned \(got) on test \(test); lab.toml declares "
                + "\(expected)"
        case .nonDeterministic(let file, let function, let test):
            return "\(file): \(function) gave two different results on the same inputs of test "
                + "\(test); a reference must be deterministic (seed any randomness from the "
                + "arguments)"
        case .session(let file, let reason):
            return "\(file): the instructor's session could not start: \(reason)"
        }
    }
}
