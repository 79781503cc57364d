// `lmlab demo`: from nothing to a graded class. A fresh data directory, the sample roster, the
// course base model, the labs, every sample submission through the durable queue graded by the
// daemon's WorkerPool with the real grader, a quantization study and a LoRA run on the base
// model, then one student's feedback, lab 01's class report, its leaderboard, the study, the
// LoRA run and the class report written as Markdown.
import Diagnosis
import Experiments
import Foundation
import Logging
import Server
import Store

public struct DemoOptions: Sendable {
    public var dataDirectory: URL
    public var repository: URL
    public var workers: Int
    /// Only the labs whose id is listed (all when nil); the tests and benchmark use fewer.
    public var labFilter: Set<String>?
    public var format: OutputFormat
    /// Show the three closing sections (the benchmark turns them off).
    public var showResults = true
    /// Samples left out, as "student/lab" (the benchmark leaves out the deliberate hang).
    public var skipSamples: Set<String> = []
    /// The base model, its quantization study and LoRA run (nil: grading only).
    public var study: DemoStudyOptions?

    public init(
        dataDirectory: URL, repository: URL, workers: Int, labFilter: Set<String>? = nil,
        format: OutputFormat
    ) {
        self.dataDirectory = dataDirectory
        self.repository = repository
        self.workers = workers
        self.labFilter = labFilter
        self.format = format
    }

    var labsRoot: URL { repository.appendingPathComponent("labs", isDirectory: true) }
    var samplesRoot: URL { repository.appendingPathComponent("submissions", isDirectory: true) }
}

public struct DemoSummary: Sendable, Equatable {
    public var submissions: Int
    public var graded: Int
    public var errors: Int
    public var seconds: Double
    public var sandboxed: Bool
    /// The submission whose feedback was shown.
    public var featuredSubmission: Int64?
    /// The base model folder the study ran on (nil without a study).
    public var baseModel: URL?
    /// The class report's Markdown (nil when the results were not shown).
    public var report: URL?
    /// Seconds per phase, in order: "setup", "base model", "grading", "study", "results".
    public var phases: [DemoPhase] = []
}

/// How long one phase of the demo took.
public struct DemoPhase: Sendable, Equatable {
    public var name: String
    public var seconds: Double
}

/// One sample: a lab folder of the sample class.
struct Sample {
    var student: String
    var lab: String
    var folder: URL
}

/// The sample class's lab folders (`submissions/<student>/<lab>/`), sorted.
func samples(in root: URL, labs: Set<String>) -> [Sample] {
    let manager = FileManager.default
    func folders(_ url: URL) -> [URL] {
        ((try? manager.contentsOfDirectory(
            at: url, includingPropertiesForKeys: [.isDirectoryKey], options: [.skipsHiddenFiles]))
            ?? [])
            .filter { (try? $0.resourceValues(forKeys: [.isDirectoryKey]))?.isDirectory == true }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }
    return folders(root).flatMap { student in
        folders(student).filter { labs.contains($0.lastPathComponent) }.map {
            Sample(student: student.lastPathComponent, lab: $0.lastPathComponent, folder: $0)
        }
    }
}

/// "student/lab" of every sample MANIFEST.toml gives the verdict "hang" (its `path`).
func deliberateHangs(manifest: URL) -> Set<String> {
    guard let text = try? String(contentsOf: manifest, encoding: .utf8) else { return [] }
    var hangs: Set<String> = []
    for block in text.components(separatedBy: "[[samples]]").dropFirst() {
        let lines = block.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        guard lines.contains("verdict = \"hang\""),
            let path = lines.first(where: { $0.hasPrefix("path = \"") })
        else { continue }
        hangs.insert(String(path.dropFirst("path = \"".count).dropLast()))
    }
    return hangs
}

/// The deliberate hang still being graded, if one is.
func waitingForHang(_ store: LabStore, _ hangs: [Int64: String]) throws -> String? {
    for (id, name) in hangs.sorted(by: { $0.key < $1.key })
    where try store.submission(id: id)?.status == .running {
        return name
    }
    return nil
}

/// Wipes and recreates `directory` only if it is empty or already an lmlab data directory, so a
/// mistyped --data cannot delete someone's files.
func resetDataDirectory(_ directory: URL) throws -> Bool {
    let manager = FileManager.default
    var existed = false
    if manager.fileExists(atPath: directory.path) {
        let contents = (try? manager.contentsOfDirectory(atPath: directory.path)) ?? []
        guard contents.isEmpty || contents.contains(LabStore.databaseFilename) else {
            throw ServiceError.usage(
                "\(directory.path) exists and is not an lmlab data directory; the demo wipes its"
                    + " data directory, so give it a new or lmlab folder with --data")
        }
        try manager.removeItem(at: directory)
        existed = true
    }
    try manager.createDirectory(at: directory, withIntermediateDirectories: true)
    return existed
}

/// Runs the demo, writing what it does through `say` (a line at a time) and `progress` (the
/// live progress line, which a TTY overwrites).
public func runDemo(
    _ options: DemoOptions, say: @escaping @Sendable (String) -> Void,
    progress: @escaping @Sendable (String, _ final: Bool) -> Void
) async throws -> DemoSummary {
    let start = Date()
    var phases: [DemoPhase] = []
    var phaseStart = start
    func endPhase(_ name: String) {
        phases.append(DemoPhase(name: name, seconds: Date().timeIntervalSince(phaseStart)))
        phaseStart = Date()
    }
    // A bad --model/--eval fails before anything is wiped.
    _ = try options.study?.resolvedEvalText()
    if let model = options.study?.model?.standardizedFileURL.path,
        (model + "/").hasPrefix(options.dataDirectory.standardizedFileURL.path + "/")
    {
        throw ServiceError.usage(
            "--model \(model) is inside the demo data directory, which the demo wipes; copy the"
                + " model folder elsewhere first")
    }
    let wiped = try resetDataDirectory(options.dataDirectory)
    say(
        (wiped ? "Wiped and recreated " : "Created ") + "the demo data directory "
            + options.dataDirectory.path)
    let store = try LabStore.open(directory: options.dataDirectory)

    let rosterURL = options.samplesRoot.appendingPathComponent("roster.csv")
    guard let roster = try? String(contentsOf: rosterURL, encoding: .utf8) else {
        throw ServiceError.missingFile(
            "\(rosterURL.path) (run the demo from the lmlab repository)")
    }
    let imported = try store.importRoster(csv: roster)
    say("Imported \(imported.added) students from \(rosterURL.lastPathComponent)")
    endPhase("setup")

    // The base model is ready before the grader is built, so grading can use it.
    var base: DemoBaseModel?
    if let study = options.study {
        base = try prepareDemoBaseModel(
            study, dataDirectory: options.dataDirectory, store: store, say: say,
            progress: progress)
        endPhase("base model")
    }

    let sandboxed = sandboxWorks(labsRoot: options.labsRoot)
    // Without bubblewrap the demo still runs, unsandboxed, but only on its own shipped samples.
    // With a base model, graded lab-05 adapters and lab-06 quantizers become verified runs.
    // As `lmlab serve` by default: a warm sandbox per worker and kind of lab.
    let setup = try prepareDaemon(
        store: store, labsRoot: options.labsRoot, allowUnsandboxed: !sandboxed,
        verification: base.map { VerificationOptions(baseModel: $0.folder, evalFile: $0.evalText) },
        warmSandboxes: max(1, options.workers))
    defer { setup.grader.pool?.close() }
    say("Synced \(setup.labs.count) labs: " + setup.labs.map(\.id).joined(separator: ", "))
    for lab in setup.skipped {
        say("SKIPPED lab \(lab.id): it does not validate, so it is not served:")
        for problem in lab.problems { say("  - \(problem)") }
    }
    say(
        sandboxed
            ? "Student code runs in the bubblewrap sandbox"
            : "bubblewrap cannot run here: grading the shipped samples WITHOUT a sandbox"
                + " (lmlab serve refuses this unless given --no-sandbox)")

    let labIDs = Set(setup.labs.map(\.id)).intersection(options.labFilter ?? Set(setup.labs.map(\.id)))
    let found = samples(in: options.samplesRoot, labs: labIDs).filter {
        !options.skipSamples.contains("\($0.student)/\($0.lab)")
    }
    // The samples MANIFEST.toml marks as deliberate hangs, named while the demo waits for them.
    let hangs = deliberateHangs(manifest: options.samplesRoot.appendingPathComponent("MANIFEST.toml"))
    var hangIDs: [Int64: String] = [:]
    // The sample class hands in on time: each sample is dated an hour before its lab's due date
    // when that has passed (the course's calendar is fixed in lab.toml, the demo runs any day).
    let now = Date()
    let dueDates = Dictionary(setup.labs.map { ($0.id, $0.due) }) { a, _ in a }
    for sample in found {
        let payload = try SubmissionPayload.read(sample.folder)
        let due = dueDates[sample.lab]
        let id = try store.enqueue(
            student: sample.student, lab: sample.lab, filename: payload.filename,
            content: payload.content, source: .demo,
            submittedAt: due.map { min(now, $0.addingTimeInterval(-3600)) } ?? now)
        if hangs.contains("\(sample.student)/\(sample.lab)") {
            hangIDs[id] = "\(sample.student)/\(sample.lab)"
        }
    }
    let total = found.count
    say("Queued \(total) sample submissions; grading with \(options.workers) worker(s)…")

    var configuration = ServerConfiguration()
    configuration.workers = max(1, options.workers)
    configuration.pollInterval = 0.1
    configuration.shutdownGrace = 5
    var logger = Logger(label: "lmlab.demo")
    logger.logLevel = .critical
    let pool = WorkerPool(
        store: store, grader: setup.grader, configuration: configuration, logger: logger)
    let gradingStart = Date()
    let running = Task { try await pool.run() }
    // Bounded: every sample has a per-test time limit, so this ends; the cap is a safety net.
    let cap = gradingStart.addingTimeInterval(30 * 60)
    var counts = try store.queueCounts()
    while Date() < cap {
        counts = try store.queueCounts()
        let done = (counts[.graded] ?? 0) + (counts[.error] ?? 0)
        let elapsed = Int(Date().timeIntervalSince(gradingStart))
        let line = "graded \(done)/\(total)"
            + ((counts[.error] ?? 0) > 0 ? " (\(counts[.error] ?? 0) failed)" : "")
            + " · \(counts[.running] ?? 0) running · "
            + String(format: "%d:%02d elapsed", elapsed / 60, elapsed % 60)
            + (try waitingForHang(store, hangIDs).map {
                " · waiting for \($0), the deliberate hang (stopped at its time limit)"
            } ?? "")
        let finished = done >= total
        progress(line, finished)
        if finished { break }
        try await Task.sleep(for: .milliseconds(500))
    }
    pool.stop()
    try await running.value
    let gradingSeconds = Date().timeIntervalSince(gradingStart)
    counts = try store.queueCounts()
    say(
        "Graded \(counts[.graded] ?? 0) of \(total) in \(secondsText(gradingSeconds))"
            + ((counts[.error] ?? 0) > 0 ? " (\(counts[.error] ?? 0) failed)" : ""))
    endPhase("grading")

    var study: DemoStudy?
    if let studyOptions = options.study, let base {
        study = try runDemoExperiments(
            studyOptions, base: base, labsRoot: options.labsRoot,
            dataDirectory: options.dataDirectory, store: store, say: say, progress: progress)
        endPhase("study")
    }

    var featured: Int64?
    var report: URL?
    if options.showResults {
        let written = try writeDemoClassReport(store: store, to: options.dataDirectory)
        report = written.first { $0.lastPathComponent == "report.md" }
        featured = try showResults(
            store: store, labs: setup.labs.map(\.id).filter(labIDs.contains), options: options,
            say: say)
        if let study, let base {
            say("")
            say(
                try renderDemoExperiments(
                    study, base: base, store: store, reportFiles: written, format: options.format))
        } else if let report {
            say("")
            say("The class report in Markdown: \(report.path)")
        }
        endPhase("results")
    }
    return DemoSummary(
        submissions: total, graded: counts[.graded] ?? 0, errors: counts[.error] ?? 0,
        seconds: options.showResults ? Date().timeIntervalSince(start) : gradingSeconds,
        sandboxed: sandboxed, featuredSubmission: featured, baseModel: base?.folder,
        report: report, phases: phases)
}

/// `lmlab report class --markdown --out <data>/report`: the overview, the Experiments part and a
/// section per experiment. Returns the files written.
func writeDemoClassReport(store: LabStore, to data: URL) throws -> [URL] {
    let roster = try store.students().filter { !$0.isInstructor }.count
    let overview = try renderClassOverview(
        store.classOverview(), rosterSize: roster, format: .markdown)
    return try writeClassReport(
        overview: overview, experiments: try store.experimentReports(),
        to: data.appendingPathComponent("report", isDirectory: true))
}

/// Feedback of a submission with a named mistake (lab 01 first), then lab 01's report and
/// leaderboard. Returns the featured submission.
func showResults(
    store: LabStore, labs: [String], options: DemoOptions, say: @Sendable (String) -> Void
) throws -> Int64? {
    let format = options.format
    let lab = labs.contains("01-attention") ? "01-attention" : (labs.first ?? "")
    let client = LocalClient(store: store)
    var featured: Int64?
    for candidateLab in [lab] + labs.filter({ $0 != lab }) where featured == nil {
        for row in try store.gradesExport(lab: candidateLab) {
            guard let latest = try store.latestSubmission(student: row.studentID, lab: candidateLab),
                let id = latest.id
            else { continue }
            let results = try store.feedback(submissionID: id)
            if results.contains(where: {
                $0.diagnosis != nil && !$0.diagnosisNearMiss && mistakeInfo($0.diagnosis) != nil
            }) {
                featured = id
                break
            }
        }
    }
    say("")
    if let featured {
        let view = try client.view(id: featured)
        say(format.heading("One student's feedback (a named mistake and its hint)") + "\n")
        say(try renderFeedback(view, format: format))
    }
    guard let record = try store.lab(id: lab) else { return featured }
    let report = try store.classReport(lab: lab)
    say(try renderLabReport(report, title: record.title, format: format))
    say(try renderLeaderboard(try client.leaderboardView(lab: lab, names: false), format: format))
    return featured
}
