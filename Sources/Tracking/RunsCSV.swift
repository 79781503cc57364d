// CSV export of runs: one row per run with its attributes, params, tags and every metric's
// last, min and max (RFC 4180 quoting: the Store's csvField, as in the grades CSV).
import Foundation
import GRDB
import Store

public enum RunsCSV {
    /// The CSV text for `runs` (as `searchRuns` found them), columns in a stable order.
    public static func export(_ runs: [RunSearchRow], store: LabStore) throws -> String {
        let details = try runs.map { try store.runDetails(id: $0.run.id) }
        let paramKeys = Set(details.flatMap { $0.params.keys }).sorted()
        let tagKeys = Set(details.flatMap { $0.tags.keys }).sorted()
        let metricKeys = Set(details.flatMap { $0.summaries.keys }).sorted()
        var header = [
            "run_id", "experiment", "student", "name", "status", "start_time", "end_time", "source",
        ]
        header += paramKeys.map { "params.\($0)" } + tagKeys.map { "tags.\($0)" }
        header += metricKeys.flatMap { ["metrics.\($0).last", "metrics.\($0).min", "metrics.\($0).max"] }
        var lines = [header.map(csvField).joined(separator: ",")]
        let iso = ISO8601DateFormatter()
        for d in details {
            var fields = [
                d.run.id, d.experiment, d.run.studentID ?? "", d.run.name ?? "",
                d.run.status.rawValue, iso.string(from: d.run.startTime),
                d.run.endTime.map(iso.string(from:)) ?? "", d.run.source.rawValue,
            ]
            fields += paramKeys.map { d.params[$0] ?? "" } + tagKeys.map { d.tags[$0] ?? "" }
            for key in metricKeys {
                let s = d.summaries[key]
                fields.append(s.map { $0.lastIsNaN ? "NaN" : number($0.last) } ?? "")
                fields.append(number(s?.min))
                fields.append(number(s?.max))
            }
            lines.append(fields.map(csvField).joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    static func number(_ value: Double?) -> String {
        guard let value else { return "" }
        return "\(value)"
    }
}
