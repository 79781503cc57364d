// The daemon's real SubmissionGrader: restores a stored submission (one file, or a folder packed
// as a SubmissionBundle) under its original name and grades it with the Grading engine.
import Foundation
import Diagnosis
import Grading
import Harness
import LabConfig
import Store

/// Grades stored submissions with one `Grader` per lab, built once when the daemon starts.
public struct LabGrader: SubmissionGrader {
    /// The graders by lab id.
    public let graders: [String: Grader]
    /// Where restored submissions are unpacked (a fresh folder per job, removed afterwards).
    public let scratchRoot: URL
    /// Called after grading for labs with a `[verify]` table (nil: no verification).
    public var verifier: (any SubmissionVerifier)?
    /// Warm sandboxes the graders start submissions in (nil: every runner starts cold).
    public let pool: SandboxPool?

    /// A grader for each of `labs`, whose harness lives in `harnessDirectory` (labs/harness).
    /// With `.sandbox` this throws HarnessError.sandboxUnavailable when bubblewrap cannot run.
    public init(
        labs: [Lab], harnessDirectory: URL, isolation: Isolation,
        scratchRoot: URL = FileManager.default.temporaryDirectory,
        verifier: (any SubmissionVerifier)? = nil, pool: SandboxPool? = nil
    ) throws {
        var graders: [String: Grader] = [:]
        // One sandbox check for all labs: Sandbox.make runs bwrap once.
        let sandbox = try Sandbox.make(harnessDirectory: harnessDirectory, isolation: isolation)
        for lab in labs {
            var grader = Grader(
                lab: lab,
                configuration: HarnessConfiguration(
                    sandbox: sandbox, isolation: isolation,
                    limits: SandboxLimits(memoryMB: lab.limits.memoryMB),
                    preloadTorch: lab.usesTorch))
            grader.pool = pool
            // Warm from the start, so that the first submission of each kind is warm too.
            pool?.prewarm(configuration: grader.configuration)
            graders[lab.id] = grader
        }
        self.graders = graders
        self.scratchRoot = scratchRoot
        self.verifier = verifier
        self.pool = pool
    }

    public func grade(_ job: GradeJob) async throws -> GradeOutcome {
        guard let grader = graders[job.labID] else {
            throw LabGraderError.unknownLab(job.labID, known: graders.keys.sorted())
        }
        let scratchRoot = self.scratchRoot
        let verifier = self.verifier
        // The harness blocks (it waits on a Python process), so it runs on its own thread, not
        // on the cooperative pool that also serves HTTP and renews leases. It cannot be
        // interrupted: a cancelled job still finishes its current tests (each has a time limit)
        // and its result is dropped by the worker pool.
        return try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(
                    with: Result {
                        try Self.gradeBlocking(
                            job, grader: grader, scratchRoot: scratchRoot, verifier: verifier)
                    })
            }
        }
    }

    static func gradeBlocking(
        _ job: GradeJob, grader: Grader, scratchRoot: URL,
        verifier: (any SubmissionVerifier)? = nil
    ) throws -> GradeOutcome {
        let folder = scratchRoot.appendingPathComponent("lmlab-job-\(job.submissionID)-\(UUID())")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path: URL
        let report: GradeReport
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            path = try restore(Data(contentsOf: job.contentPath), filename: job.filename, into: folder)
            report = try grader.grade(
                submission: path, seed: UInt64(bitPattern: job.seed), mode: .instructor)
        } catch let error as LabGraderError {
            throw error
        } catch GradingError.interrupted(let reason) {
            throw LabGraderError.infrastructure(reason)
        } catch {
            // What reaches the student's feedback names no folder of the server's.
            throw LabGraderError.grading(
                withoutServerPaths(
                    "\(error)",
                    [folder.path + "/", folder.path, job.contentPath.path, scratchRoot.path]))
        }
        // Verification comes after the tests and records runs of its own; the grade is the
        // tests' alone.
        if let verifier, grader.lab.verify != nil {
            verifier.verify(
                VerificationJob(
                    submissionID: job.submissionID, studentID: job.studentID, lab: grader.lab,
                    submission: path, harness: grader.configuration, pool: grader.pool))
        }
        return outcome(report, seed: job.seed)
    }

    /// Writes a stored submission under `folder` by the name the student gave it: a packed
    /// folder unpacked as its folder, a file as itself. Returns what the grader is handed.
    static func restore(_ content: Data, filename: String, into folder: URL) throws -> URL {
        guard SubmissionBundle.isBundle(filename: filename) else {
            let path = folder.appendingPathComponent(SubmissionBundle.safeName(filename))
            try content.write(to: path)
            return path
        }
        let bundle = try SubmissionBundle.decode(content, filename: filename)
        let path = folder.appendingPathComponent(bundle.folderName, isDirectory: true)
        try bundle.unpack(into: path)
        return path
    }

    /// The store's view of a report: points before any late penalty (the store applies the
    /// penalty it decided at submission time), one result per test.
    /// A module that did not import is explained once, in the first visible test's message
    /// (stored feedback has no place above the tests); the others point to it.
    public static func outcome(_ report: GradeReport, seed: Int64) -> GradeOutcome {
        var tests = report.results.map(testOutcome)
        let visible = tests.firstIndex { $0.visibility == Visibility.visible.rawValue } ?? 0
        if let importError = report.importError, tests.indices.contains(visible) {
            let first = tests[visible].name
            for index in tests.indices {
                tests[index].message =
                    index == visible
                    ? "not run: your module did not import: \(importError)"
                    : "not run: your module did not import (the reason is under \(first))"
            }
        }
        return GradeOutcome(
            score: report.summary.score, maxScore: report.summary.maxScore,
            graderVersion: report.graderVersion, seed: seed, tests: tests)
    }

    static func testOutcome(_ result: TestResult) -> TestResultRecord {
        let status: TestStatus
        switch result.status {
        case .passed: status = .pass
        case .failed: status = .fail
        case .error, .missing: status = .error
        case .timeout: status = .timeout
        case .crashed, .memoryExceeded: status = .crash
        }
        // The stored message is what feedback shows: the verdict, where the error was, and the
        // diagnosis sentence (its title and hint are looked up again from the catalogue by id).
        var message = result.message
        if let location = result.errorLocation { message += "\nat \(location)" }
        if let text = result.errorText, !text.isEmpty { message += "\n    \(text)" }
        var diagnosisID: String?
        var nearMiss = false
        if let diagnosis = result.diagnosis {
            // A certain mistake is shown from the catalogue (title and hint) by its id; a
            // near miss or a possible mistake keeps its sentence ("close: max error …").
            if diagnosis.kind != .mistake || diagnosis.mistakeID == nil {
                message += "\n" + diagnosis.message
            }
            diagnosisID = diagnosis.mistakeID
            nearMiss = diagnosis.kind != .mistake
        }
        return TestResultRecord(
            name: result.name, component: result.component, points: result.score,
            maxPoints: result.points, status: status, visibility: result.visibility,
            diagnosis: diagnosisID, diagnosisNearMiss: nearMiss, message: message,
            maxAbsError: result.comparison?.maxAbsError, maxRelError: result.comparison?.maxRelError,
            seconds: result.seconds, slice: result.slice, attention: result.attention)
    }
}

public enum LabGraderError: Error, CustomStringConvertible, Equatable {
    case unknownLab(String, known: [String])
    /// The student's folder bundle breaks a rule (SubmissionBundle.validate).
    case bundle(String)
    /// The grader's own disk failed while restoring a submission: not the student's doing.
    case unpack(String)
    /// Grading stopped with this error (server paths taken out).
    case grading(String)
    /// Something happened to the student's code rather than something it did (the sandbox
    /// killed from outside): the attempt is void and is retried.
    case infrastructure(String)

    public var description: String {
        switch self {
        case .unknownLab(let id, let known):
            return "the grader has no lab '\(id)' (it loaded: \(known.joined(separator: ", ")));"
                + " restart the daemon after adding the lab to labs/"
        case .bundle(let message), .unpack(let message), .grading(let message),
            .infrastructure(let message):
            return message
        }
    }
}

/// `text` with each of `paths` (longest first) taken out, so that a message for a student does
/// not show where the server keeps its data or scratch folders.
func withoutServerPaths(_ text: String, _ paths: [String]) -> String {
    var text = text
    for path in paths.sorted(by: { $0.count > $1.count }) where path.count > 1 {
        text = text.replacingOccurrences(of: path, with: "")
    }
    return text
}
