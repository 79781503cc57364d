// The errors experiment tracking reports: each names the run, key or batch entry at fault and
// says what to do.
import Foundation

public enum RunsError: Error, CustomStringConvertible, Equatable {
    case unknownRun(String)
    case unknownExperiment(String)
    /// Logging to a run that has ended.
    case runNotActive(id: String, status: RunStatus)
    /// Resuming a run id under another experiment than the one it was started in.
    case runInOtherExperiment(id: String, experiment: String)
    /// A student writing to someone else's run.
    case notYourRun(id: String, student: String)
    /// A parameter logged again with another value (params never change).
    case paramChanged(key: String, old: String, new: String)
    /// One entry of a batch is malformed; `entry` names it (`metrics[3]`, `params['lr']`).
    /// Nothing in the batch was stored.
    case invalidBatch(entry: String, reason: String)
    case invalidRunID(String)
    case invalidExperimentName(String)

    public var description: String {
        switch self {
        case .unknownRun(let id):
            return "unknown run '\(id)': check the id (`lmlab runs list` shows them)"
        case .unknownExperiment(let name):
            return "unknown experiment '\(name)': check its name (a run creates it on start)"
        case .runNotActive(let id, let status):
            return "run '\(id)' is \(status.rawValue) and takes no more values; start it again"
                + " with the same id to resume it"
        case .runInOtherExperiment(let id, let experiment):
            return "run '\(id)' belongs to experiment '\(experiment)'; resume it there or pick"
                + " a new run id"
        case .notYourRun(let id, let student):
            return "run '\(id)' belongs to \(student); log to a run of your own"
        case .paramChanged(let key, let old, let new):
            return "param '\(key)' is already '\(old)' and cannot become '\(new)': params are"
                + " immutable, so start a new run to try another value (nothing was stored)"
        case .invalidBatch(let entry, let reason):
            return "batch rejected, \(entry): \(reason) (nothing in the batch was stored)"
        case .invalidRunID(let id):
            return "invalid run id '\(id)': use 1 to 64 letters, digits, '-', '_' or '.'"
        case .invalidExperimentName(let name):
            return "invalid experiment name '\(name)': use 1 to 250 characters, no control"
                + " characters"
        }
    }
}
