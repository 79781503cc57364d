// Errors of the grading core (cases, references, the grader): each says what was wrong and what
// to do about it.

public enum GradingError: Error, CustomStringConvertible, Equatable {
    /// A lab's test gave an argument the component's reference cannot use.
    case badArgument(String, String)
    /// lab.toml names a component lmlab has no reference for.
    case noReference(component: String, lab: String)
    /// The sandbox was killed from outside mid-grade (not by the student's code nor by a
    /// limit): the grade would be wrong, so there is none and the daemon retries.
    case interrupted(String)
    /// An input spec lmlab cannot generate.
    case badInput(test: String, argument: String, reason: String)
    /// A fixture file could not be read or parsed.
    case fixture(file: String, reason: String)
    /// Submitted after late_due (or after due with no late window).
    case submissionClosed(String)
    /// The grading benchmark could not run (no manifest, no correct sample of a lab…).
    case benchmark(String)

    public var description: String {
        switch self {
        case .badArgument(let name, let what):
            return "argument \(name) should be \(what) — check the test's inputs in lab.toml"
        case .interrupted(let reason):
            return "grading was interrupted: \(reason); not the submission's doing, so it is"
                + " graded again"
        case .noReference(let component, let lab):
            return "lab \(lab): lmlab has no reference for component \(component) — check its "
                + "name in lab.toml (known: \(referenceComponentNames.joined(separator: ", ")))"
        case .badInput(let test, let argument, let reason):
            return "test \(test), input \(argument): \(reason)"
        case .fixture(let file, let reason):
            return "fixture \(file): \(reason)"
        case .submissionClosed(let message):
            return message
        case .benchmark(let message):
            return "grading benchmark: \(message)"
        }
    }
}
