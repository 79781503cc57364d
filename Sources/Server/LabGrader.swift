// The daemon's real SubmissionGrader: restores a stored submission (one file, or a folder packed
// as a SubmissionBundle) under its original name and grades it with the Grading engine.
import Foundation
import Grading

/// Grades stored submissions with one `Grader` per lab, built once when the daemon starts.
public struct LabGrader: SubmissionGrader {
    /// The graders by lab id.
    public let graders: [String: Grader]
    /// Where restored submissions are unpacked (a fresh folder per job, removed afterwards).
    public let scratchRoot: URL
    /// Called after grading for labs with a `[verify]` table (nil: no verification).
    public var verifier: (any SubmissionVerifier)?

    /// A grader for each of `labs`, whose harness lives in `harnessDirectory` (labs/harness).
    /// With `.sandbox` this throws HarnessError.sandboxUnavailable when bubblewrap cannot run.
    public init(
        labs: [Lab], harnessDirectory: URL, isolation: Isolation,
        scratchRoot: URL = FileManager.default.temporaryDirectory,
        verifier: (any SubmissionVerifier)? = nil
    ) throws {
        var graders: [String: Grader] = [:]
        // One sandbox check for all labs: Sandbox.make runs bwrap once.
        let sandbox = try Sandbox.make(harnessDirectory: harnessDirectory, isolation: isolation)
        for lab in labs {
            graders[lab.id] = Grader(
                lab: lab,
                configuration: HarnessConfiguration(
                    sandbox: sandbox, isolation: isolation,
                    limits: SandboxLimits(memoryMB: lab.limits.memoryMB)))
        }
        self.graders = graders
        self.scratchRoot = scratchRoot
        self.verifier = verifier
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
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let content = try Data(contentsOf: job.contentPath)
        let path: URL
        if SubmissionBundle.isBundle(filename: job.filename) {
            let bundle = try SubmissionBundle.decode(content, filename: job.filename)
            path = folder.appendingPathComponent(bundle.folderName, isDirectory: true)
            try bundle.unpack(into: path)
        } else {
            path = folder.appendingPathComponent(SubmissionBundle.safeName(job.filename))
            try content.write(to: path)
        }
        let report = try grader.grade(
            submission: path, seed: UInt64(bitPattern: job.seed), mode: .instructor)
        // Verification comes after the tests and records runs of its own; the grade is the
        // tests' alone.
        if let verifier, grader.lab.verify != nil {
            verifier.verify(
                VerificationJob(
                    submissionID: job.submissionID, studentID: job.studentID, lab: grader.lab,
                    submission: path, harness: grader.configuration))
        }
        return outcome(report, seed: job.seed)
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

    static func testOutcome(_ result: TestResult) -> TestOutcome {
        let status: TestOutcome.Status
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
        return TestOutcome(
            name: result.name, component: result.component, points: result.score,
            maxPoints: result.points, status: status, visibility: result.visibility,
            diagnosis: diagnosisID, nearMiss: nearMiss, message: message,
            maxAbsError: result.comparison?.maxAbsError, maxRelError: result.comparison?.maxRelError,
            seconds: result.seconds)
    }
}

/// A folder submission packed into one stored file: JSON
/// `{"format": "lmlab-folder-1", "folder": "<name>", "files": [{"path": "a/b.py", "base64": "…"}]}`,
/// stored under the filename `<folder>.lmlab-folder.json`.
public struct SubmissionBundle: Sendable, Codable, Equatable {
    public struct File: Sendable, Codable, Equatable {
        public var path: String
        public var base64: String

        public init(path: String, base64: String) {
            self.path = path
            self.base64 = base64
        }
    }

    public static let formatName = "lmlab-folder-1"
    public static let filenameSuffix = ".lmlab-folder.json"
    /// Folders larger than this are refused when packed (the grader's own limit is 5 MiB).
    public static let maxBytes = 5 << 20
    public static let maxFiles = 500
    /// Skipped when packing: caches and version control, never code.
    static let skipped: Set<String> = [
        "__pycache__", ".git", ".ipynb_checkpoints", ".DS_Store", ".venv", "venv",
    ]

    public var format: String
    public var folder: String
    public var files: [File]

    public init(format: String, folder: String, files: [File]) {
        self.format = format
        self.folder = folder
        self.files = files
    }

    public var folderName: String { Self.safeName(folder) }

    public static func isBundle(filename: String) -> Bool { filename.hasSuffix(filenameSuffix) }

    /// Packs the regular files under `folder` (symbolic links and caches are left out).
    public static func pack(folder: URL) throws -> (filename: String, content: Data) {
        let manager = FileManager.default
        var files: [File] = []
        var total = 0
        func walk(_ url: URL, _ relative: String) throws {
            let names = try manager.contentsOfDirectory(atPath: url.path).sorted()
            for name in names where !skipped.contains(name) {
                let item = url.appendingPathComponent(name)
                let path = relative.isEmpty ? name : relative + "/" + name
                let attributes = try manager.attributesOfItem(atPath: item.path)
                switch attributes[.type] as? FileAttributeType {
                case .typeDirectory?:
                    try walk(item, path)
                case .typeRegular?:
                    let data = try Data(contentsOf: item)
                    total += data.count
                    guard total <= maxBytes, files.count < maxFiles else {
                        throw LabGraderError.bundle(
                            "\(folder.path) is larger than \(maxBytes >> 20) MiB or \(maxFiles)"
                                + " files; hand in only your code")
                    }
                    files.append(File(path: path, base64: data.base64EncodedString()))
                default:
                    continue
                }
            }
        }
        try walk(folder, "")
        guard !files.isEmpty else {
            throw LabGraderError.bundle("\(folder.path) holds no files to hand in")
        }
        let name = safeName(folder.lastPathComponent)
        let bundle = SubmissionBundle(format: formatName, folder: name, files: files)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (name + filenameSuffix, try encoder.encode(bundle))
    }

    public static func decode(_ data: Data, filename: String) throws -> SubmissionBundle {
        let bundle: SubmissionBundle
        do {
            bundle = try JSONDecoder().decode(SubmissionBundle.self, from: data)
        } catch {
            throw LabGraderError.bundle("\(filename) is not a valid folder bundle: \(error)")
        }
        guard bundle.format == formatName else {
            throw LabGraderError.bundle(
                "\(filename) has format '\(bundle.format)', expected '\(formatName)'")
        }
        return bundle
    }

    /// Writes the files under `folder`, refusing any path that would leave it.
    public func unpack(into folder: URL) throws {
        let manager = FileManager.default
        try manager.createDirectory(at: folder, withIntermediateDirectories: true)
        for file in files {
            let parts = file.path.split(separator: "/", omittingEmptySubsequences: false)
            guard !file.path.hasPrefix("/"), !parts.isEmpty,
                parts.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." })
            else {
                throw LabGraderError.bundle("unsafe path '\(file.path)' in folder bundle")
            }
            guard let data = Data(base64Encoded: file.base64) else {
                throw LabGraderError.bundle("\(file.path) in folder bundle is not base64")
            }
            let target = folder.appendingPathComponent(file.path)
            try manager.createDirectory(
                at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            try data.write(to: target)
        }
    }

    /// A file name without path separators or leading dots, so it stays inside its folder.
    public static func safeName(_ name: String) -> String {
        var cleaned = name.replacingOccurrences(of: "/", with: "_")
        while cleaned.hasPrefix(".") { cleaned.removeFirst() }
        return cleaned.isEmpty ? "submission" : cleaned
    }
}

public enum LabGraderError: Error, CustomStringConvertible, Equatable {
    case unknownLab(String, known: [String])
    case bundle(String)

    public var description: String {
        switch self {
        case .unknownLab(let id, let known):
            return "the grader has no lab '\(id)' (it loaded: \(known.joined(separator: ", ")));"
                + " restart the daemon after adding the lab to labs/"
        case .bundle(let message):
            return message
        }
    }
}
