// Folder submissions in the drop folder: a lab folder with several files is one submission of the
// packed folder (as `lmlab submit <folder>` packs it), re-queued once when any file changes; the
// sample class's lab folders are each queued exactly once, and a folder sample grades in full.
import Foundation
import Grading
import LabConfig
import Store
import TestSupport
import Testing

@testable import Server

@Suite struct DropFolderBundleTests {
    func write(_ text: String, to url: URL) throws {
        try FileManager.default.createDirectory(
            at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    /// The bundles written out by hand (JSON with sorted keys, base64 of each file) and their
    /// digests from `python3 -c "import hashlib; print(hashlib.sha256(b'…').hexdigest())"`.
    enum Reference {
        static let helpers1 =
            #"{"files":[{"base64":"c2NvcmU9Mwo=","path":"attention.py"},"#
            + #"{"base64":"eCA9IDEK","path":"helpers.py"}],"folder":"attention","#
            + #""format":"lmlab-folder-1"}"#
        static let helpers1SHA = "2764d72e42df057164856c817316b545250a39fa44d73d0d68ebf543bfbf1935"
        static let helpers2SHA = "37fb1edfe65d98984fa299b77377c811fbe8c8526f64af4a50861b99fe052d69"
    }

    @Test func folderWithSeveralFilesIsOneSubmissionRequeuedOnceOnChange() throws {
        // Given alice's attention folder with the entry module and a helper
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        let drop = fixture.directory.appendingPathComponent("submissions")
        let lab = drop.appendingPathComponent("alice/attention")
        try write("score=3\n", to: lab.appendingPathComponent("attention.py"))
        try write("x = 1\n", to: lab.appendingPathComponent("helpers.py"))
        let watcher = DropFolderWatcher(folder: drop, store: fixture.store, logger: quietLogger)

        // When it is scanned: first sight waits, then ONE submission of the whole folder
        #expect(watcher.scan() == [])
        let first = watcher.scan()
        #expect(first.count == 1)
        #expect(watcher.scan() == [])
        let firstID = try #require(first.first)
        let row = try #require(try fixture.store.submission(id: firstID))
        #expect(row.filename == "attention.lmlab-folder.json")
        #expect(row.source == .drop)
        #expect(row.sha256 == Reference.helpers1SHA)
        #expect(row.size == Reference.helpers1.utf8.count)

        // When only the helper changes, while it is being written it waits, then the folder is
        // queued once more
        try write("x = ", to: lab.appendingPathComponent("helpers.py"))
        #expect(watcher.scan() == [])
        try write("x = 2\n", to: lab.appendingPathComponent("helpers.py"))
        #expect(watcher.scan() == [])
        let second = watcher.scan()
        #expect(second.count == 1 && second != first)
        #expect(watcher.scan() == [])
        let secondID = try #require(second.first)
        #expect(try fixture.store.submission(id: secondID)?.sha256 == Reference.helpers2SHA)

        // When the files are rewritten with the same bytes, or a cache appears, nothing is new
        try write("score=3\n", to: lab.appendingPathComponent("attention.py"))
        try write("cache", to: lab.appendingPathComponent("__pycache__/helpers.cpython-311.pyc"))
        for _ in 0..<3 { #expect(watcher.scan() == []) }

        // And a restarted watcher does not queue the stored folder again
        let restarted = DropFolderWatcher(folder: drop, store: fixture.store, logger: quietLogger)
        for _ in 0..<3 { #expect(restarted.scan() == []) }
        #expect(
            try fixture.store.submissionsSince(
                student: "alice", lab: "attention", since: .distantPast) == 2)
    }

    @Test func folderWithOneCodeFileIsThatFile() throws {
        // Given a folder holding only attention.py (and a __pycache__ left by a local run)
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        let drop = fixture.directory.appendingPathComponent("submissions")
        try write("score=5\n", to: drop.appendingPathComponent("bob/attention/attention.py"))
        try write("c", to: drop.appendingPathComponent("bob/attention/__pycache__/a.pyc"))
        let watcher = DropFolderWatcher(folder: drop, store: fixture.store, logger: quietLogger)
        _ = watcher.scan()
        let ids = watcher.scan()
        let id = try #require(ids.first)
        #expect(ids.count == 1)
        let row = try #require(try fixture.store.submission(id: id))
        #expect(row.filename == "attention.py")
        #expect(row.sha256 == SHA256Reference.score5)
    }

    /// One line of submissions/MANIFEST.toml's samples, read with plain string handling.
    struct Sample {
        var student = ""
        var lab = ""
        var path = ""
        var form = ""
        var files: [String] = []
    }

    static func manifestSamples() throws -> [Sample] {
        let text = try String(
            contentsOf: repositoryRoot.appendingPathComponent("submissions/MANIFEST.toml"),
            encoding: .utf8)
        var samples: [Sample] = []
        func value(_ line: Substring) -> String {
            let raw = line.split(separator: "=", maxSplits: 1).last ?? ""
            return raw.trimmingCharacters(in: .whitespaces).trimmingCharacters(
                in: CharacterSet(charactersIn: "\""))
        }
        for line in text.split(separator: "\n") {
            let key = line.split(separator: "=", maxSplits: 1).first?
                .trimmingCharacters(in: .whitespaces) ?? ""
            if line.hasPrefix("[[samples]]") { samples.append(Sample()); continue }
            guard !samples.isEmpty else { continue }
            switch key {
            case "student": samples[samples.count - 1].student = value(line)
            case "lab": samples[samples.count - 1].lab = value(line)
            case "path": samples[samples.count - 1].path = value(line)
            case "form": samples[samples.count - 1].form = value(line)
            case "files":
                let inner = value(line).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
                samples[samples.count - 1].files = inner.split(separator: ",").map {
                    $0.trimmingCharacters(in: CharacterSet(charactersIn: " \""))
                }
            default: continue
            }
        }
        return samples
    }

    @Test func sampleClassIsQueuedOncePerLabFolder() throws {
        // Given a store with the sample roster and every lab the samples hand in
        let samples = try Self.manifestSamples()
        // Every [[samples]] table of the manifest was read.
        let manifest = try String(
            contentsOf: repositoryRoot.appendingPathComponent("submissions/MANIFEST.toml"),
            encoding: .utf8)
        #expect(samples.count == manifest.components(separatedBy: "[[samples]]\n").count - 1)
        let directory = try makeScratchDirectory("lmlab-drop-samples")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try LabStore.open(directory: directory.appendingPathComponent("data"))
        let submissions = repositoryRoot.appendingPathComponent("submissions")
        try store.importRoster(
            csv: String(
                contentsOf: submissions.appendingPathComponent("roster.csv"), encoding: .utf8))
        for lab in Set(samples.map(\.lab)).sorted() {
            try store.syncLab(LabRecord(id: lab, version: "1", title: lab))
        }

        // When the watcher scans the sample folder (read only) until it holds still
        let watcher = DropFolderWatcher(
            folder: submissions, store: store, logger: quietLogger)
        #expect(watcher.scan() == [])
        let ids = watcher.scan()
        for _ in 0..<2 { #expect(watcher.scan() == []) }

        // Then each sample's lab folder was queued exactly once: a folder sample as its bundle
        // (`<lab>.lmlab-folder.json`), a file or notebook sample as that file
        #expect(ids.count == samples.count)
        var queued: [String: [String]] = [:]
        for id in ids {
            let row = try #require(try store.submission(id: id))
            queued["\(row.studentID)/\(row.labID)", default: []].append(row.filename)
        }
        for sample in samples {
            let expected =
                sample.form == "folder"
                ? "\(sample.lab).lmlab-folder.json" : (sample.files.first ?? "?")
            #expect(
                queued[sample.path] == [expected],
                "\(sample.path) (\(sample.form)): queued \(queued[sample.path] ?? [])")
        }
    }

    @Test func folderSampleGradedThroughLabGraderGetsFullMarks() async throws {
        // Given s04-edsger's 01-attention folder (attention.py importing helpers.py, and notes;
        // verdict "full" in submissions/MANIFEST.toml) copied into a drop folder
        let fixture = try Fixture.make(labs: [
            LabRecord(id: "01-attention", version: "1", title: "Attention")
        ])
        defer { fixture.remove() }
        try fixture.store.importRoster(
            csv: "id,name,email\ns04-edsger,Edsger Dijkstra,s04@example.edu\n")
        let drop = fixture.directory.appendingPathComponent("submissions")
        try FileManager.default.createDirectory(
            at: drop.appendingPathComponent("s04-edsger"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            at: repositoryRoot.appendingPathComponent("submissions/s04-edsger/01-attention"),
            to: drop.appendingPathComponent("s04-edsger/01-attention"))
        let watcher = DropFolderWatcher(folder: drop, store: fixture.store, logger: quietLogger)
        _ = watcher.scan()
        #expect(watcher.scan().count == 1)

        // When the queued folder is claimed and graded by the daemon's real grader
        let claimed = try #require(try fixture.store.claimNext(worker: "test:0", lease: 600))
        #expect(claimed.submission.filename == "01-attention.lmlab-folder.json")
        let labs = repositoryRoot.appendingPathComponent("labs")
        let grader = try LabGrader(
            labs: [try Lab.load(folder: labs.appendingPathComponent("01-attention"))],
            harnessDirectory: labs.appendingPathComponent("harness"), isolation: .none)
        let outcome = try await grader.grade(
            GradeJob(
                submissionID: claimed.id, studentID: "s04-edsger", labID: "01-attention",
                contentPath: claimed.contentURL, filename: claimed.submission.filename, seed: 7))

        // Then every test passes: full marks
        #expect(outcome.maxScore > 0)
        let failed = outcome.tests.filter { $0.status != .pass }
            .map { "\($0.name): \($0.message ?? "")" }
        #expect(outcome.score == outcome.maxScore, "failed: \(failed)")
    }
}
