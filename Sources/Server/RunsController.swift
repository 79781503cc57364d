// The experiment-tracking API: the Python client's batches (POST /api/runs/batch), a run's
// details, search within an experiment and an experiment's leaderboard.
import Foundation
import GRDB
import Hummingbird
import Store
import Tracking

struct RunsController<Context: RequestContext>: Sendable {
    let store: LabStore
    let authenticator: Authenticator

    /// Largest accepted batch body (PROTOCOL.md): 10,000 points fit with room to spare.
    static var maxBatchBytes: Int { 4 << 20 }
    /// Search results when `limit` is not given, and the most one request may ask for.
    static var defaultSearchLimit: Int { 100 }
    static var maxSearchLimit: Int { 10_000 }

    /// Routes under /api/runs.
    func addRunRoutes(to group: RouterGroup<Context>) {
        group.post("batch", use: batch)
        group.get(":id", use: show)
    }

    /// Routes under /api/experiments.
    func addExperimentRoutes(to group: RouterGroup<Context>) {
        group.get(":name/runs", use: search)
        group.get(":name/leaderboard", use: leaderboard)
    }

    /// Applies one batch for the token's owner (`start.student` is ignored over HTTP).
    @Sendable func batch(_ request: Request, context: Context) async throws -> RunBatchReceipt {
        let student = try authenticator.student(for: request)
        let limit = Self.maxBatchBytes
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit {
            throw ServerError.batchTooLarge(limit: limit)
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw ServerError.batchTooLarge(limit: limit)
        }
        let batch = try RunBatch.decode(Data(buffer.readableBytesView))
        let outcome = try batch.apply(to: store, student: student.id)
        context.logger.debug(
            "run batch",
            metadata: [
                "run": "\(batch.runID)", "student": "\(student.id)",
                "metrics": "\(outcome.metrics)", "status": "\(outcome.status)",
            ])
        return RunBatchReceipt(
            runID: outcome.runID, status: outcome.status, params: outcome.params,
            metrics: outcome.metrics, tags: outcome.tags)
    }

    /// A run with its params, tags and metric summaries: a student's own runs, any run for an
    /// instructor; anyone else's is reported missing, so ids reveal nothing.
    @Sendable func show(_ request: Request, context: Context) async throws -> RunDetailsBody {
        let student = try authenticator.student(for: request)
        let id = try Self.pathParameter("id", context)
        let details: RunDetails
        do {
            details = try store.runDetails(id: id)
        } catch RunsError.unknownRun {
            throw ServerError.runNotFound(id)
        }
        guard student.isInstructor || details.run.studentID == student.id else {
            throw ServerError.runNotFound(id)
        }
        return RunDetailsBody(
            run: RunAttributesBody(details.run, experiment: details.experiment, now: Date()),
            params: details.params, tags: details.tags,
            metrics: details.summaries.mapValues(MetricSummaryBody.init))
    }

    /// `?filter=&order_by=&limit=` within one experiment; a student finds only their own runs.
    @Sendable func search(_ request: Request, context: Context) async throws -> RunSearchBody {
        let student = try authenticator.student(for: request)
        let experiment = try Self.pathParameter("name", context)
        let query = Self.formQuery(request)
        let filter = query["filter"].flatMap { $0.isEmpty ? nil : $0 }
        let orderBy = query["order_by"].flatMap { $0.isEmpty ? nil : $0 }
        var limit = Self.defaultSearchLimit
        if let text = query["limit"] {
            guard let n = Int(text), n >= 1, n <= Self.maxSearchLimit else {
                throw ServerError.badRequest(
                    "limit must be a whole number from 1 to \(Self.maxSearchLimit), not '\(text)'")
            }
            limit = n
        }
        // Parse the caller's filter alone first, so its errors point at their own columns.
        if let filter { _ = try FilterParser.parse(filter) }
        var effective = filter
        if !student.isInstructor {
            let own = "attributes.student = '\(student.id.replacingOccurrences(of: "'", with: "''"))'"
            effective = filter.map { "(\($0)) AND \(own)" } ?? own
        }
        let now = Date()
        let rows = try store.searchRuns(
            RunQuery(experiment: experiment, filter: effective, orderBy: orderBy, limit: limit),
            now: now)
        return RunSearchBody(
            experiment: experiment, filter: filter, orderBy: orderBy, limit: limit,
            runs: rows.map { row in
                RunSearchBody.Hit(
                    run: RunAttributesBody(row.run, experiment: row.experiment, now: now),
                    orderValues: row.orderValues.map { JSONScalar(Self.scalar($0)) })
            })
    }

    /// `?metric=eval_loss.min&order=asc|desc&where=FILTER[&names=true][&verified=true]`: one row
    /// per student, their best run (with verified=true, among runs lmlab verified itself);
    /// pseudonyms unless an instructor asks for names.
    @Sendable func leaderboard(_ request: Request, context: Context) async throws
        -> ExperimentLeaderboardBody
    {
        let student = try authenticator.student(for: request)
        let experiment = try Self.pathParameter("name", context)
        let query = Self.formQuery(request)
        guard let metric = query["metric"], !metric.isEmpty else {
            throw ServerError.badRequest(
                "missing ?metric=<key>.<min|max|last> in the URL (e.g. metric=eval_loss.min)")
        }
        let order = (query["order"] ?? "asc").lowercased()
        guard order == "asc" || order == "desc" else {
            throw ServerError.badRequest("order must be asc or desc, not '\(order)'")
        }
        if let given = query["where"], !given.isEmpty { _ = try FilterParser.parse(given) }
        let verified = query["verified"].map { $0 == "true" || $0 == "1" } ?? false
        let filter = RunSource.filter(
            query["where"].flatMap { $0.isEmpty ? nil : $0 }, verifiedOnly: verified)
        let names = query["names"].map { $0 == "true" || $0 == "1" } ?? false
        if names && !student.isInstructor {
            throw ServerError.notInstructor("the leaderboard with real names (?names=true)")
        }
        let rows = try store.experimentLeaderboard(
            experiment: experiment, metric: metric, ascending: order == "asc", where: filter,
            includeNames: names)
        return ExperimentLeaderboardBody(
            experiment: experiment, metric: metric, order: order, whereFilter: filter,
            rows: rows.map {
                ExperimentLeaderboardBody.Row(
                    rank: $0.rank, name: $0.displayName, student: $0.studentID,
                    runID: student.isInstructor || $0.ownerID == student.id ? $0.runID : nil,
                    value: JSONNumber($0.value), step: $0.step)
            })
    }

    // MARK: - Helpers

    /// A path parameter, percent-decoded (experiment names may hold spaces or slashes).
    static func pathParameter(_ name: String, _ context: Context) throws -> String {
        let raw = try context.parameters.require(name)
        guard let decoded = raw.removingPercentEncoding, !decoded.isEmpty else {
            throw ServerError.badRequest("bad '\(name)' in the URL: '\(raw)'")
        }
        return decoded
    }

    /// The query string decoded as a form: `+` is a space (as Python's urlencode writes it),
    /// `%2B` a plus. Of repeated keys, the last wins.
    static func formQuery(_ request: Request) -> [String: String] {
        var result: [String: String] = [:]
        for pair in request.uri.query?.split(separator: "&") ?? [] {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) -> String {
                let spaced = text.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            result[decode(parts[0])] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return result
    }

    static func scalar(_ value: DatabaseValue) -> DatabaseValueLike {
        switch value.storage {
        case .int64(let n): return .number(Double(n))
        case .double(let x): return .number(x)
        case .string(let s): return .text(s)
        case .null, .blob: return .null
        }
    }
}
