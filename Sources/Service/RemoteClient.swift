// The CourseClient (and InstructorClient) over a running daemon's HTTP API (see
// Server/Application+build.swift): the bearer token identifies the student or instructor;
// errors come back as {"error": "…"} and are shown as is.
import Foundation
import Grading
import Server
import Store
import Tracking

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

public struct RemoteClient: CourseClient, InstructorClient {
    public let server: URL
    public let token: String
    public let timeout: TimeInterval

    public init(server: String, token: String, timeout: TimeInterval = 30) throws {
        guard let url = URL(string: server), let scheme = url.scheme,
            scheme == "http" || scheme == "https", url.host != nil
        else {
            throw ServiceError.usage(
                "--server must be a URL such as http://127.0.0.1:8080 (got '\(server)')")
        }
        guard !token.isEmpty else {
            throw ServiceError.usage(
                "--server needs --token T (or $LMLAB_TOKEN); ask your instructor for a token")
        }
        self.server = url
        self.token = token
        self.timeout = timeout
    }

    public func submit(path: URL, lab: String, student: String?) async throws -> SubmissionReceipt {
        // A folder travels packed, as the bundle the grader unpacks.
        let payload = try SubmissionPayload.read(path)
        return try await send(
            "POST", ["api", "submissions"], query: ["lab": lab, "filename": payload.filename],
            body: payload.content, contentType: "application/octet-stream", as: SubmissionReceipt.self)
    }

    public func submission(id: Int64) async throws -> SubmissionFeedback {
        try await send("GET", ["api", "submissions", "\(id)"], as: SubmissionFeedback.self)
    }

    /// The token's owner's latest submission; an instructor's token may name `student`.
    public func latestSubmission(lab: String, student: String?) async throws -> SubmissionFeedback {
        try await send(
            "GET", ["api", "labs", lab, "submissions", "latest"], query: ["student": student],
            as: SubmissionFeedback.self)
    }

    public func leaderboard(lab: String, names: Bool) async throws -> LabLeaderboard {
        try await send(
            "GET", ["api", "labs", lab, "leaderboard"], query: ["names": names ? "true" : nil],
            as: LabLeaderboard.self)
    }

    public func experimentLeaderboard(
        experiment: String, metric: String, ascending: Bool, where filter: String?,
        verified: Bool, names: Bool
    ) async throws -> [ExperimentLeaderboardRow] {
        let body = try await send(
            "GET", ["api", "experiments", experiment, "leaderboard"],
            query: [
                "metric": metric, "order": ascending ? "asc" : "desc", "where": filter,
                "verified": verified ? "true" : nil, "names": names ? "true" : nil,
            ],
            as: ExperimentLeaderboardBody.self)
        return body.rows.map {
            ExperimentLeaderboardRow(
                rank: $0.rank, displayName: $0.name, studentID: $0.student,
                runID: $0.runID ?? "-",
                value: $0.value.value, step: $0.step)
        }
    }

    // MARK: - InstructorClient

    public func classOverview() async throws -> ClassOverviewBody {
        try await send("GET", ["api", "reports", "class"], as: ClassOverviewBody.self)
    }

    public func labReport(lab: String) async throws -> LabReportBody {
        try await send("GET", ["api", "reports", "labs", lab], as: LabReportBody.self)
    }

    public func studentReport(student: String) async throws -> StudentReport {
        try await send("GET", ["api", "reports", "students", student], as: StudentReportBody.self)
            .report
    }

    public func experimentReport(name: String, metric: String?, rankBy: String?) async throws
        -> ExperimentReport
    {
        try await send(
            "GET", ["api", "experiments", name, "report"],
            query: ["metric": metric, "rank_by": rankBy], as: ExperimentReportBody.self
        ).report
    }

    public func experimentReports() async throws -> [ExperimentReport] {
        try await send("GET", ["api", "reports", "experiments"], as: ExperimentReportsBody.self)
            .experiments
    }

    public func gradesExport(lab: String, withResults: Bool) async throws -> GradesExportBody {
        try await send(
            "GET", ["api", "exports", "grades"],
            query: ["lab": lab, "results": withResults ? "true" : nil], as: GradesExportBody.self)
    }

    public func roster() async throws -> [RosterMember] {
        try await send("GET", ["api", "students"], as: RosterBody.self).students
    }

    public func importRoster(csv: String) async throws -> RosterImportBody {
        try await send(
            "POST", ["api", "students", "import"], body: Data(csv.utf8),
            contentType: "text/csv; charset=utf-8", as: RosterImportBody.self)
    }

    public func addStudent(_ student: NewStudentBody) async throws -> StudentAddedBody {
        try await send(
            "POST", ["api", "students"], body: try LMLabJSON.encoder().encode(student),
            contentType: "application/json", as: StudentAddedBody.self)
    }

    public func issueToken(student: String) async throws -> TokenBody {
        try await send("POST", ["api", "students", student, "token"], as: TokenBody.self)
    }

    public func signInLink(student: String) async throws -> SignInLinkBody {
        try await send("POST", ["api", "students", student, "link"], as: SignInLinkBody.self)
    }

    public func regrade(lab: String, student: String?) async throws -> RegradeBody {
        try await send(
            "POST", ["api", "regrade"], query: ["lab": lab, "student": student],
            as: RegradeBody.self)
    }

    // MARK: - HTTP

    private struct ErrorBody: Decodable { var error: String }

    /// `path` segments are percent-encoded one by one (a lab or student id may hold any
    /// character); nil query values are left out.
    private func send<T: Decodable>(
        _ method: String, _ path: [String], query: [String: String?] = [:], body: Data? = nil,
        contentType: String? = nil, as type: T.Type
    ) async throws -> T {
        var segment = CharacterSet.urlPathAllowed
        segment.remove(charactersIn: "/")
        let encoded = path.map { $0.addingPercentEncoding(withAllowedCharacters: segment) ?? $0 }
        guard var components = URLComponents(url: server, resolvingAgainstBaseURL: false) else {
            throw ServiceError.usage("cannot build a URL from --server \(server.absoluteString)")
        }
        let base = components.percentEncodedPath
        components.percentEncodedPath =
            (base.hasSuffix("/") ? String(base.dropLast()) : base) + "/"
            + encoded.joined(separator: "/")
        let items = query.sorted { $0.key < $1.key }.compactMap { key, value in
            value.map { URLQueryItem(name: key, value: $0) }
        }
        components.queryItems = items.isEmpty ? nil : items
        // The daemon reads queries as forms, where '+' is a space.
        let query = components.percentEncodedQuery
        components.percentEncodedQuery = query?.replacingOccurrences(of: "+", with: "%2B")
        guard let url = components.url else {
            throw ServiceError.usage("cannot build a URL for /\(path.joined(separator: "/"))")
        }
        var request = URLRequest(url: url)
        request.httpMethod = method
        if let body {
            request.httpBody = body
            if let contentType { request.setValue(contentType, forHTTPHeaderField: "Content-Type") }
        }
        return try await send(request, as: type)
    }

    private func send<T: Decodable>(_ request: URLRequest, as type: T.Type) async throws -> T {
        var request = request
        request.timeoutInterval = timeout
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        let serverName = server.absoluteString
        let (data, status): (Data, Int) = try await withCheckedThrowingContinuation {
            continuation in
            let task = URLSession.shared.dataTask(with: request) { data, response, error in
                if let error {
                    continuation.resume(
                        throwing: ServiceError.unreachable(
                            server: serverName, reason: error.localizedDescription))
                    return
                }
                let status = (response as? HTTPURLResponse)?.statusCode ?? 0
                continuation.resume(returning: (data ?? Data(), status))
            }
            task.resume()
        }
        guard (200..<300).contains(status) else {
            let message =
                (try? JSONDecoder().decode(ErrorBody.self, from: data).error)
                ?? String(decoding: data.prefix(500), as: UTF8.self)
            throw ServiceError.server(status: status, message: message)
        }
        do {
            return try LMLabJSON.decoder().decode(T.self, from: data)
        } catch {
            throw ServiceError.server(
                status: status, message: "unexpected answer from \(serverName): \(error)")
        }
    }
}
