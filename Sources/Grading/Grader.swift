// The grader: stages a submission, starts one harness session, runs every test (a hang or a crash
// costs that test only), compares with the reference, diagnoses, scores, and records the seed,
// the versions and the timings.
import Foundation

/// lmlab's own version, recorded with every grade beside the lab's version.
public let lmlabVersion = "0.1.0"

/// Which tests run and who the report is for.
public enum GradeMode: Sendable, Equatable {
    /// A student's self-check (visibleOnly: only the visible tests) or a student submission.
    case student(visibleOnly: Bool)
    case instructor
}

/// Where the time went, for the benchmark breakdown.
public struct GradeTimings: Sendable, Codable, Equatable {
    public var stageSeconds = 0.0
    /// Spawn → ready, summed over (re)starts.
    public var sandboxStartSeconds = 0.0
    public var callSeconds = 0.0
    public var referenceSeconds = 0.0
    /// Comparison and diagnosis.
    public var compareSeconds = 0.0
    public var totalSeconds = 0.0
    public var restarts = 0
}

/// A grade: every test's result, the score and what is needed to reproduce and audit it.
public struct GradeReport: Sendable, Codable, Equatable {
    public var lab: String
    public var labTitle: String
    /// "<lab version>+lmlab-<lmlab version>".
    public var graderVersion: String
    public var submission: String
    public var seed: UInt64
    public var mode: String
    public var submittedAt: Date
    public var due: Date
    public var results: [TestResult]
    public var summary: ScoreSummary
    /// The student's syntax/import error (file and line), when the module did not import.
    public var importError: String?
    /// What the student's code printed (capped).
    public var output: String
    /// Notes from staging and the harness (dropped notebook magics…).
    public var notes: [String]
    public var timings: GradeTimings
}

/// Grades submissions of one lab with one harness configuration.
public struct Grader: Sendable {
    public var lab: Lab
    public var configuration: HarnessConfiguration

    public init(lab: Lab, configuration: HarnessConfiguration) {
        self.lab = lab
        self.configuration = configuration
    }

    /// A grader for `lab` whose harness lives in `harnessDirectory` (labs/harness). With
    /// `.sandbox` isolation this refuses (HarnessError.sandboxUnavailable) if bwrap cannot run.
    public init(lab: Lab, harnessDirectory: URL, isolation: Isolation) throws {
        let sandbox = try Sandbox.make(harnessDirectory: harnessDirectory, isolation: isolation)
        self.init(lab: lab, configuration: HarnessConfiguration(
            sandbox: sandbox, isolation: isolation,
            limits: SandboxLimits(memoryMB: lab.limits.memoryMB)))
    }

    /// The tests a mode runs.
    public func tests(for mode: GradeMode) -> [(index: Int, test: LabTest)] {
        lab.tests.enumerated().filter { _, test in
            mode != .student(visibleOnly: true) || test.visibility == .visible
        }.map { ($0.offset, $0.element) }
    }

    /// Grades the submission at `submission` (.py, folder or .ipynb).
    public func grade(submission: URL, seed: UInt64? = nil, mode: GradeMode,
                      submitted: Date = Date()) throws -> GradeReport
    {
        let start = Date()
        var timings = GradeTimings()
        let staged = try SubmissionSource.stage(submission, entry: lab.entry)
        defer { staged.remove() }
        timings.stageSeconds = Date().timeIntervalSince(start)
        let session = HarnessSession(submission: staged.folder, entry: lab.entry,
                                     configuration: configuration)
        defer { session.close() }
        let submissionSeed = seed ?? freshSubmissionSeed()
        var report = run(session: session, staged: staged, seed: submissionSeed, mode: mode,
                         timings: &timings)
        // Prints still in the pipe are drained only once the runner is gone: close first, then
        // take the output (run() read it while the last calls' stderr could still be in flight).
        session.close()
        report.output = session.output
        report.submission = submission.lastPathComponent
        report.submittedAt = submitted
        let penalty = latePenalty(lab: lab, submitted: submitted)
        report.summary = ScoreSummary(results: report.results, penalty: penalty ?? 1)
        if penalty == nil {
            report.notes.append("submitted after the last accepted date: scored 0")
        }
        timings.totalSeconds = Date().timeIntervalSince(start)
        report.timings = timings
        return report
    }

    /// Runs the tests of `mode` on an already started (or startable) session with one
    /// submission seed. Used by `grade` and, with many seeds on one session, by the tests.
    public func run(session: HarnessSession, staged: StagedSubmission, seed: UInt64,
                    mode: GradeMode, timings: inout GradeTimings) -> GradeReport
    {
        var importError: String?
        var functions: [String] = []
        do {
            functions = try session.start()
        } catch HarnessError.importFailed(let error) {
            importError = describe(staged.remap(error))
        } catch {
            importError = "\(error)"
        }
        var results: [TestResult] = []
        for (index, test) in tests(for: mode) {
            let caseSeed = caseSeed(test: test, index: index, submissionSeed: seed)
            results.append(runTest(test, seed: caseSeed, session: session, staged: staged,
                                   available: importError == nil ? Set(functions) : [],
                                   importError: importError, timings: &timings))
        }
        let harness = session.timings
        timings.sandboxStartSeconds = harness.startups.reduce(0, +)
        timings.callSeconds = harness.calls.reduce(0) { $0 + $1.wallSeconds }
        timings.restarts = session.restarts
        return GradeReport(
            lab: lab.id, labTitle: lab.title, graderVersion: "\(lab.version)+lmlab-\(lmlabVersion)",
            submission: staged.entry, seed: seed,
            mode: mode == .instructor ? "instructor" : "student", submittedAt: Date(), due: lab.due,
            results: results, summary: ScoreSummary(results: results, penalty: 0),
            importError: importError, output: session.output,
            notes: staged.notes + session.notes, timings: timings)
    }

    private func runTest(_ test: LabTest, seed: UInt64, session: HarnessSession,
                         staged: StagedSubmission, available: Set<String>, importError: String?,
                         timings: inout GradeTimings) -> TestResult
    {
        var result = TestResult(
            name: test.name, component: test.component, visibility: test.visibility.rawValue,
            points: test.points, score: 0, status: .failed, seed: seed, message: "",
            comparison: nil, diagnosis: nil, errorLocation: nil, errorText: nil, traceback: nil,
            inputs: [:], seconds: 0)
        guard let component = lab.component(named: test.component) else {
            result.status = .error
            result.message = GradingError.noReference(component: test.component, lab: lab.id)
                .description
            return result
        }
        let args: CaseArguments
        let expected: GradedValue
        do {
            let t0 = Date()
            args = try makeArguments(test: test, lab: lab, seed: seed)
            result.inputs = args.values.mapValues(\.summary)
            guard let reference = references[test.component] else {
                throw GradingError.noReference(component: test.component, lab: lab.id)
            }
            expected = try reference(args)
            timings.referenceSeconds += Date().timeIntervalSince(t0)
        } catch {
            result.status = .error
            result.message = "lmlab could not build this test: \(error)"
            return result
        }
        if let importError {
            result.status = .missing
            result.message = "not run: the module did not import — \(importError)"
            return result
        }
        guard available.contains(test.component) else {
            result.status = .missing
            result.message = "function \(test.component) not found in \(lab.entry) — did you "
                + "rename it?"
            return result
        }
        let call = args.names.compactMap { args[$0]?.harnessValue }
        let outcome = session.call(
            test.component, args: call, timeout: test.limits.timeSeconds,
            framework: test.framework)
        switch outcome {
        case .value(let value, let seconds):
            result.seconds = seconds
            let t0 = Date()
            let got = GradedValue(value)
            let tolerance = Tolerance(atol: component.atol, rtol: component.rtol)
            let comparison = compare(got: got, expected: expected, as: component.returns,
                                     tolerance: tolerance)
            result.comparison = comparison
            result.message = comparison.message
            if comparison.passed {
                result.status = .passed
                result.score = test.points
            } else {
                result.diagnosis = diagnose(
                    component: test.component, args: args, got: got, expected: expected,
                    returns: component.returns, tolerance: tolerance, comparison: comparison)
            }
            timings.compareSeconds += Date().timeIntervalSince(t0)
        case .studentError(let error):
            let error = staged.remap(error)
            result.status = .error
            result.message = "\(error.type): \(error.message)"
            result.errorLocation = error.location
            result.errorText = error.text
            result.traceback = error.traceback
            result.diagnosis = diagnose(component: test.component, errorType: error.type,
                                        message: error.message)
        case .timeout(let seconds):
            result.status = .timeout
            result.seconds = seconds
            result.message = "no answer within \(formatNumber(test.limits.timeSeconds)) s (the "
                + "time limit) — an infinite loop, or a loop over elements that should be one "
                + "NumPy operation?"
        case .crashed(let status, let logTail):
            result.status = .crashed
            result.message = "Python stopped (\(status)) while running \(test.component)"
            result.traceback = logTail.isEmpty ? nil : logTail
        case .memoryExceeded(let detail):
            result.status = .memoryExceeded
            result.message = "ran out of memory (limit \(lab.limits.memoryMB) MB): \(detail)"
        }
        return result
    }
}

private func describe(_ error: StudentError) -> String {
    var text = "\(error.type): \(error.message)"
    if let location = error.location { text += " (\(location))" }
    if let source = error.text, !source.isEmpty { text += "\n    \(source)" }
    return text
}
