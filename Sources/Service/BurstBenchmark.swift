// `lmlab bench service --burst N`: a deadline burst. A daemon (the HTTP API and its grading
// workers, as `lmlab serve` assembles them) runs on loopback over a fresh data directory; N
// clients post lab 01's correct sample at once over HTTP with students' tokens; each
// submission's time from POST to graded and its wait in the queue are measured.
import Foundation
import Grading
import Hummingbird
import Logging
import Server
import Store

public struct BurstOptions: Sendable {
    /// A fresh data directory (wiped first if it is an lmlab one).
    public var dataDirectory: URL
    /// The repository root (labs/ and submissions/).
    public var repository: URL
    public var submissions: Int
    public var workers: Int
    /// Warm sandboxes per worker (`serve --warm-sandboxes`); 0: every runner starts cold.
    public var warmSandboxes = 0
    /// The lab posted; its correct sample in submissions/MANIFEST.toml is what every client sends.
    public var lab = "01-attention"
    /// How often the store is read to see when each submission was claimed.
    public var pollInterval: TimeInterval = 0.005
    /// How long the daemon may take to start listening before the run is abandoned.
    public var startTimeout: Duration = .seconds(60)

    public init(dataDirectory: URL, repository: URL, submissions: Int, workers: Int) {
        self.dataDirectory = dataDirectory
        self.repository = repository
        self.submissions = submissions
        self.workers = workers
    }
}

/// Per-submission times of one burst, in seconds.
public struct BurstResult: Sendable {
    public var workers: Int
    public var submissions: Int
    public var graded: Int
    public var errors: Int
    /// From the client starting its POST to the grade recorded (the store's graded_at).
    public var postToGraded: [Double]
    /// From the client starting its POST to a worker claiming it (seen by polling the store
    /// every `pollInterval`, so up to that much late).
    public var queueWait: [Double]
    /// From the first POST to the last grade.
    public var wallSeconds: Double
}

/// The port a live server bound, once it is running.
actor BoundPort {
    var port: Int?
    func set(_ value: Int?) { port = value }
}

/// Runs one burst: sets up the store and daemon, posts, waits for every grade, stops the daemon.
public func runBurst(_ options: BurstOptions) async throws -> BurstResult {
    guard options.submissions >= 1 else {
        throw ServiceError.usage("--burst must be at least 1, got \(options.submissions)")
    }
    _ = try resetDataDirectory(options.dataDirectory)
    let store = try LabStore.open(directory: options.dataDirectory)
    let samplesRoot = options.repository.appendingPathComponent("submissions", isDirectory: true)
    guard let roster = try? String(
        contentsOf: samplesRoot.appendingPathComponent("roster.csv"), encoding: .utf8)
    else {
        throw ServiceError.missingFile(
            "\(samplesRoot.path)/roster.csv (run the benchmark from the lmlab repository)")
    }
    try store.importRoster(csv: roster)
    let setup = try prepareDaemon(
        store: store, labsRoot: options.repository.appendingPathComponent("labs"),
        allowUnsandboxed: false, warmSandboxes: options.warmSandboxes * max(1, options.workers))
    defer { setup.grader.pool?.close() }
    // Idle workers before a deadline: their warm sandboxes are ready when the burst comes.
    setup.grader.pool?.waitUntilFull(timeout: 120)
    guard let lab = try store.lab(id: options.lab) else {
        throw ServiceError.usage("no lab \(options.lab) in labs/")
    }
    guard let sample = try correctSamples(submissionsRoot: samplesRoot)[options.lab]?.url else {
        throw ServiceError.missingFile(
            "a correct sample (verdict = \"full\") of \(options.lab) in submissions/MANIFEST.toml")
    }
    // Round-robin over the students, within each one's hourly rate limit.
    let students = try store.students().filter { !$0.isInstructor }.map(\.id)
    let capacity = students.count * (lab.rateLimitPerHour ?? Int.max / max(students.count, 1))
    guard !students.isEmpty, options.submissions <= capacity else {
        throw ServiceError.usage(
            "--burst \(options.submissions) is over what the sample class may post in an hour"
                + " (\(capacity): \(students.count) students × the lab's rate limit)")
    }
    var tokens: [String] = []
    for student in students { tokens.append(try store.issueToken(studentID: student)) }

    var configuration = ServerConfiguration()
    configuration.host = "127.0.0.1"
    configuration.port = 0
    configuration.workers = max(1, options.workers)
    // Otherwise `lmlab serve`'s defaults (an idle worker asks the queue every 0.25 s).
    configuration.shutdownGrace = 5
    var logger = Logger(label: "lmlab.bench")
    logger.logLevel = .critical
    let pool = WorkerPool(
        store: store, grader: setup.grader, configuration: configuration, logger: logger)
    let bound = BoundPort()
    var app = Application(
        router: buildRouter(configuration, store: store, workers: pool),
        configuration: .init(address: .hostname(configuration.host, port: 0)),
        onServerRunning: { channel in await bound.set(channel.localAddress?.port) },
        logger: logger)
    app.addServices(pool)
    let server = Task { try await app.run() }
    defer { server.cancel() }
    let started = ContinuousClock.now
    while await bound.port == nil, ContinuousClock.now < started + options.startTimeout {
        try await Task.sleep(for: .milliseconds(10))
    }
    guard let port = await bound.port else {
        throw ServiceError.usage(
            "the benchmark's daemon did not start within \(options.startTimeout)")
    }
    let url = "http://127.0.0.1:\(port)"

    // The store is fresh, so the burst's submissions are ids 1 … N. A watcher reads them from
    // the store every pollInterval from before the first POST, noting when each was first seen
    // claimed (not queued) and its final record; it ends when all N are graded or failed.
    let total = options.submissions
    let poll = options.pollInterval
    let watcher = Task { () throws -> (claimed: [Int64: Date], finished: [Int64: SubmissionRecord]) in
        var claimed: [Int64: Date] = [:]
        var finished: [Int64: SubmissionRecord] = [:]
        let deadline = Date().addingTimeInterval(Double(total) * 60 + 60)
        while finished.count < total, Date() < deadline {
            let now = Date()
            for id in Int64(1)...Int64(total) where finished[id] == nil {
                guard let record = try store.submission(id: id) else { continue }
                if record.status != .queued, claimed[id] == nil { claimed[id] = now }
                if record.status == .graded || record.status == .error { finished[id] = record }
            }
            try await Task.sleep(for: .seconds(poll))
        }
        return (claimed, finished)
    }

    // Every client starts its POST at once; `posted` holds each id and when its POST began.
    let burstStart = Date()
    let posted = try await withThrowingTaskGroup(of: (Int64, Date).self) { group in
        for index in 0..<total {
            let token = tokens[index % tokens.count]
            group.addTask {
                let client = try RemoteClient(server: url, token: token, timeout: 120)
                let start = Date()
                let receipt = try await client.submit(path: sample, lab: options.lab, student: nil)
                return (receipt.id, start)
            }
        }
        var all: [(Int64, Date)] = []
        for try await item in group { all.append(item) }
        return all
    }
    guard Set(posted.map(\.0)) == Set(Int64(1)...Int64(total)) else {
        watcher.cancel()
        throw ServiceError.usage(
            "the burst's data directory \(options.dataDirectory.path) was not fresh")
    }
    let (claimedAt, finished) = try await watcher.value
    server.cancel()
    _ = await server.result

    var postToGraded: [Double] = []
    var queueWait: [Double] = []
    var lastGrade = burstStart
    for (id, start) in posted {
        if let record = finished[id], record.status == .graded, let gradedAt = record.gradedAt {
            postToGraded.append(gradedAt.timeIntervalSince(start))
            lastGrade = max(lastGrade, gradedAt)
        }
        // Seen claimed at the first poll after the claim; never later than its grade.
        if var claimed = claimedAt[id] {
            if let gradedAt = finished[id]?.gradedAt { claimed = min(claimed, gradedAt) }
            queueWait.append(max(0, claimed.timeIntervalSince(start)))
        }
    }
    return BurstResult(
        workers: configuration.workers, submissions: posted.count,
        graded: finished.values.filter { $0.status == .graded }.count,
        errors: finished.values.filter { $0.status == .error }.count,
        postToGraded: postToGraded, queueWait: queueWait,
        wallSeconds: lastGrade.timeIntervalSince(burstStart))
}
