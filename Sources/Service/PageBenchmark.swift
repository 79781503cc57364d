// Pages against their JSON: the leaderboard, a lab's report and a submission's feedback on the
// generated course, each fetched over loopback HTTP from a daemon on this store, as the page a
// browser gets and as the API's JSON, in the same run, alternating, so load on the machine
// weighs on both alike. Reports p50/p90 of each and the page's cost relative to its JSON.
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Grading
import Hummingbird
import Logging
import Server
import Store

/// One page and its JSON: what was fetched and the request times in milliseconds.
public struct PageTiming: Sendable {
    public var name: String
    public var page: [Double]
    public var json: [Double]
}

/// Fetches each page and its JSON `runs` times (after one untimed fetch each) from a daemon
/// serving the course in `directory`, signed in as an instructor the benchmark adds.
public func measurePages(directory: URL, lab: String, runs: Int) async throws -> [PageTiming] {
    let store = try LabStore.open(directory: directory)
    let instructor = "bench-instructor"
    if try store.student(id: instructor) == nil {
        try store.addStudent(
            id: instructor, name: "Bench Instructor", email: nil, isInstructor: true)
    }
    let token = try store.issueToken(studentID: instructor)
    let cookie = try store.createWebSession(studentID: instructor, lifetime: 3600).cookie
    // The generated course's first student (generateCourse names them b00000, b00001, …).
    guard let submission = try store.latestSubmission(student: "b00000", lab: lab)?.id else {
        throw ServiceError.usage("the generated course has no graded submission of \(lab)")
    }
    var logger = Logger(label: "lmlab.bench")
    logger.logLevel = .critical
    var configuration = ServerConfiguration()
    configuration.host = "127.0.0.1"
    let bound = BoundPort()
    let app = Application(
        router: buildRouter(configuration, store: store, workers: nil),
        configuration: .init(address: .hostname("127.0.0.1", port: 0)),
        onServerRunning: { channel in await bound.set(channel.localAddress?.port) },
        logger: logger)
    let server = Task { try await app.run() }
    defer { server.cancel() }
    let started = ContinuousClock.now
    while await bound.port == nil, ContinuousClock.now < started + .seconds(30) {
        try await Task.sleep(for: .milliseconds(10))
    }
    guard let port = await bound.port else {
        throw ServiceError.usage("the benchmark's daemon did not start within 30 s")
    }
    let base = "http://127.0.0.1:\(port)"
    let pairs: [(String, page: String, json: String)] = [
        ("leaderboard \(lab)", "/labs/\(lab)/leaderboard", "/api/labs/\(lab)/leaderboard"),
        ("lab report \(lab)", "/instructor/labs/\(lab)", "/api/reports/labs/\(lab)"),
        ("feedback #\(submission)", "/submissions/\(submission)", "/api/submissions/\(submission)"),
    ]
    var timings: [PageTiming] = []
    for (name, page, json) in pairs {
        var timing = PageTiming(name: name, page: [], json: [])
        let pageRequest = request(base + page, header: ("Cookie", "lmlab_session=\(cookie)"))
        let jsonRequest = request(base + json, header: ("Authorization", "Bearer \(token)"))
        _ = try await fetch(pageRequest)
        _ = try await fetch(jsonRequest)
        for _ in 0..<max(1, runs) {
            timing.page.append(try await fetch(pageRequest))
            timing.json.append(try await fetch(jsonRequest))
        }
        timings.append(timing)
    }
    server.cancel()
    _ = await server.result
    return timings
}

private func request(_ url: String, header: (String, String)) -> URLRequest {
    // The URLs are made above from numbers and lab ids the generator wrote.
    var request = URLRequest(url: URL(string: url) ?? URL(fileURLWithPath: "/"))
    request.setValue(header.1, forHTTPHeaderField: header.0)
    return request
}

/// One GET's wall time in milliseconds; a status other than 200 is an error naming the URL.
private func fetch(_ request: URLRequest) async throws -> Double {
    let start = ContinuousClock.now
    let status: Int = try await withCheckedThrowingContinuation { continuation in
        URLSession.shared.dataTask(with: request) { _, response, error in
            if let error {
                continuation.resume(throwing: error)
            } else {
                continuation.resume(returning: (response as? HTTPURLResponse)?.statusCode ?? 0)
            }
        }.resume()
    }
    let elapsed = ContinuousClock.now - start
    guard status == 200 else {
        throw ServiceError.usage(
            "GET \(request.url?.path ?? "?") answered \(status) during the page benchmark")
    }
    return Double(elapsed.components.seconds) * 1000
        + Double(elapsed.components.attoseconds) / 1e15
}
