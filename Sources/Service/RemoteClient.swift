// The CourseClient over a running daemon's HTTP API (see Server/Application+build.swift): the
// bearer token identifies the student; errors come back as {"error": "…"} and are shown as is.
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

public struct RemoteClient: CourseClient {
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

    public func submit(path: URL, lab: String, student: String?) async throws -> ReceiptView {
        let payload = try SubmissionPayload.read(path)
        guard !payload.isBundle else {
            throw ServiceError.badSubmission(
                "the server accepts one .py or .ipynb file; \(path.lastPathComponent) is a folder"
                    + " of several files — submit the lab's entry module (or a notebook)")
        }
        var components = URLComponents(
            url: server.appendingPathComponent("api/submissions"), resolvingAgainstBaseURL: false)
        components?.queryItems = [
            URLQueryItem(name: "lab", value: lab),
            URLQueryItem(name: "filename", value: payload.filename),
        ]
        guard let url = components?.url else {
            throw ServiceError.usage("cannot build a submission URL for lab '\(lab)'")
        }
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.httpBody = payload.content
        request.setValue("application/octet-stream", forHTTPHeaderField: "Content-Type")
        return try await send(request, as: ReceiptView.self)
    }

    public func submission(id: Int64) async throws -> SubmissionView {
        let request = URLRequest(url: server.appendingPathComponent("api/submissions/\(id)"))
        return try await send(request, as: SubmissionView.self)
    }

    public func latestSubmission(lab: String, student: String?) async throws -> SubmissionView {
        throw ServiceError.localOnly("feedback --latest")
    }

    public func leaderboard(lab: String, names: Bool) async throws -> LeaderboardView {
        var components = URLComponents(
            url: server.appendingPathComponent("api/labs/\(lab)/leaderboard"),
            resolvingAgainstBaseURL: false)
        if names { components?.queryItems = [URLQueryItem(name: "names", value: "true")] }
        guard let url = components?.url else {
            throw ServiceError.usage("cannot build a leaderboard URL for lab '\(lab)'")
        }
        return try await send(URLRequest(url: url), as: LeaderboardView.self)
    }

    private struct ErrorBody: Decodable { var error: String }

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
            return try JSONDecoder().decode(T.self, from: data)
        } catch {
            throw ServiceError.server(
                status: status, message: "unexpected answer from \(serverName): \(error)")
        }
    }
}
