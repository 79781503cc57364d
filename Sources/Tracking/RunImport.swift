// `lmlab runs import run.jsonl`: each line is one batch (RunBatch), applied in order. A bad line
// stops the import there, naming the line; lines before it stay imported.
import Foundation
import Store

public struct ImportSummary: Sendable, Equatable {
    public var lines: Int
    public var runs: Set<String>
    public var metrics: Int
}

public enum RunImport {
    /// Decodes every line first (a malformed file imports nothing), then applies them in order.
    public static func importJSONL(
        _ data: Data, into store: LabStore, student: String? = nil, now: Date = Date()
    ) throws -> ImportSummary {
        var batches: [RunBatch] = []
        var lineNumber = 0
        for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            let trimmed = line.drop(while: { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D })
            if trimmed.isEmpty { continue }
            batches.append(try RunBatch.decode(Data(trimmed), line: lineNumber))
        }
        var summary = ImportSummary(lines: batches.count, runs: [], metrics: 0)
        for batch in batches {
            try batch.apply(to: store, student: student, now: now)
            summary.runs.insert(batch.runID)
            summary.metrics += batch.metrics.count
        }
        return summary
    }
}
