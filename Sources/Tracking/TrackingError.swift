// The errors of experiment tracking's own module: filters, batch files, plots and exports.
import Foundation

public enum TrackingError: Error, CustomStringConvertible, Equatable {
    /// A filter or order-by that does not parse; `column` is 1-based.
    case syntax(text: String, column: Int, message: String)
    /// A field the filter language does not know (`foo.bar`, `metrics.x.median`).
    case unknownField(text: String, column: Int, field: String, hint: String)
    /// A comparison that makes no sense, such as a metric against a string.
    case badComparison(text: String, column: Int, message: String)
    /// A filter beyond FilterLimits: too long, too deep, too many comparisons or fields.
    case tooComplex(String)
    /// A line of a JSONL import (or an HTTP batch body, line 1) that is malformed.
    case batch(line: Int, entry: String, reason: String)
    /// A run asked for in a plot or compare has no such metric or does not exist.
    case nothingToPlot(String)
    /// An experiment report asked for a metric no run of the experiment logged.
    case unknownMetric(experiment: String, metric: String, known: [String])
    case io(path: String, reason: String)

    public var description: String {
        switch self {
        case .syntax(let text, let column, let message):
            return "filter error at column \(column): \(message)\n" + pointer(text, column)
        case .unknownField(let text, let column, let field, let hint):
            return "filter error at column \(column): unknown field '\(field)'; \(hint)\n"
                + pointer(text, column)
        case .badComparison(let text, let column, let message):
            return "filter error at column \(column): \(message)\n" + pointer(text, column)
        case .tooComplex(let message):
            return "filter too complex: \(message)"
        case .batch(let line, let entry, let reason):
            return "line \(line), \(entry): \(reason) (the whole batch was rejected)"
        case .nothingToPlot(let message):
            return message
        case .unknownMetric(let experiment, let metric, let known):
            return "experiment '\(experiment)' has no metric '\(metric)'; its metrics are "
                + known.joined(separator: ", ")
        case .io(let path, let reason):
            return "cannot use \(path): \(reason)"
        }
    }

    /// The text with a caret under `column`.
    private func pointer(_ text: String, _ column: Int) -> String {
        "  \(text)\n  " + String(repeating: " ", count: max(0, column - 1)) + "^"
    }
}
