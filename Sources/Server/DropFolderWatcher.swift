// Turns files dropped into `submissions/<student>/<lab>/<file>` into queued submissions.
// Each top-level .py or .ipynb file in a lab folder is its own submission (a lab has one entry
// module, so a folder rarely holds more than one); subfolders and other files are ignored.
// The folder is polled: a file is taken once its size and modification time held still between
// two scans, and again whenever its content (sha256) changes.
import Foundation
import Logging
import ServiceLifecycle
import Store

public final class DropFolderWatcher: Service, Sendable {
    /// What the watcher remembers about one file between scans.
    private struct Seen {
        var size: Int
        var modified: Date
        /// The (size, modified) pair that was last handled, whatever the outcome.
        var handled: Bool = false
        var submittedSHA: String?
    }

    private let folder: URL
    private let store: LabStore
    private let interval: TimeInterval
    private let logger: Logger
    private let seen = Locked([String: Seen]())
    private let warned = Locked(Set<String>())

    public init(
        folder: URL, store: LabStore, interval: TimeInterval = 1,
        logger: Logger = Logger(label: "lmlab.drop")
    ) {
        self.folder = folder
        self.store = store
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        logger.info("watching drop folder", metadata: ["folder": "\(folder.path)"])
        // Shutdown cancels the wait between scans; a scan itself is short and finishes.
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                self.scan()
                try? await Task.sleep(for: .seconds(self.interval))
            }
        }
        logger.info("drop folder watcher stopped")
    }

    /// One pass over the folder; returns the ids of the submissions it queued.
    @discardableResult
    public func scan() -> [Int64] {
        var queued: [Int64] = []
        for file in candidates() {
            if let id = consider(file) { queued.append(id) }
        }
        return queued
    }

    private struct Candidate {
        var url: URL
        var student: String
        var lab: String
        var size: Int
        var modified: Date
    }

    /// Top-level .py/.ipynb regular files two levels below the folder.
    private func candidates() -> [Candidate] {
        let fm = FileManager.default
        let keys: [URLResourceKey] = [
            .isDirectoryKey, .isRegularFileKey, .fileSizeKey, .contentModificationDateKey,
        ]
        func children(_ url: URL) -> [URL] {
            (try? fm.contentsOfDirectory(
                at: url, includingPropertiesForKeys: keys, options: [.skipsHiddenFiles])) ?? []
        }
        func isDirectory(_ url: URL) -> Bool {
            (try? url.resourceValues(forKeys: [.isDirectoryKey]))?.isDirectory == true
        }
        var found: [Candidate] = []
        for studentDir in children(folder) where isDirectory(studentDir) {
            for labDir in children(studentDir) where isDirectory(labDir) {
                for file in children(labDir) {
                    let ext = file.pathExtension.lowercased()
                    guard ext == "py" || ext == "ipynb",
                        let values = try? file.resourceValues(forKeys: Set(keys)),
                        values.isRegularFile == true
                    else { continue }
                    found.append(
                        Candidate(
                            url: file, student: studentDir.lastPathComponent,
                            lab: labDir.lastPathComponent, size: values.fileSize ?? 0,
                            modified: values.contentModificationDate ?? .distantPast))
                }
            }
        }
        return found.sorted { $0.url.path < $1.url.path }
    }

    /// Queues the file if it is stable and new; nil when it waits, is a repeat, or is skipped.
    private func consider(_ file: Candidate) -> Int64? {
        let key = file.url.path
        // A file seen for the first time, or whose size or date moved, may still be written.
        let ready = seen.withLock { seen -> Bool in
            if var known = seen[key], known.size == file.size, known.modified == file.modified {
                if known.handled { return false }
                known.handled = true
                seen[key] = known
                return true
            }
            let sha = seen[key]?.submittedSHA
            seen[key] = Seen(size: file.size, modified: file.modified, submittedSHA: sha)
            return false
        }
        guard ready else { return nil }
        var log = logger
        log[metadataKey: "file"] = "\(key)"
        log[metadataKey: "student"] = "\(file.student)"
        log[metadataKey: "lab"] = "\(file.lab)"
        do {
            let content = try Data(contentsOf: file.url)
            let sha = SHA256.hexDigest(content)
            if seen.withLock({ $0[key]?.submittedSHA }) == sha { return nil }
            guard try store.student(id: file.student) != nil else {
                retryLater(
                    key, warning: "drop folder: unknown student; skipped until imported", log)
                return nil
            }
            guard try store.lab(id: file.lab) != nil else {
                retryLater(key, warning: "drop folder: unknown lab; skipped until synced", log)
                return nil
            }
            // After a restart the memory is empty: if the student's latest submission to the
            // lab is this very file, it was already queued. (With several files in one lab
            // folder, a restart may queue the others once more.)
            let filename = file.url.lastPathComponent
            if let latest = try store.latestSubmission(student: file.student, lab: file.lab),
                latest.filename == filename, latest.sha256 == sha
            {
                seen.withLock { $0[key]?.submittedSHA = sha }
                return nil
            }
            let id = try store.enqueue(
                student: file.student, lab: file.lab, filename: filename,
                content: content, source: .drop, submittedAt: Date())
            seen.withLock { $0[key]?.submittedSHA = sha }
            log.info("drop folder: queued", metadata: ["submission": "\(id)"])
            return id
        } catch {
            retryLater(key, warning: "drop folder: could not queue file: \(error)", log)
            return nil
        }
    }

    /// Looks at the file again next scan, warning once per file rather than every second.
    private func retryLater(_ key: String, warning: String, _ log: Logger) {
        let first = warned.withLock { $0.insert(key).inserted }
        seen.withLock { $0[key]?.handled = false }
        if first { log.warning("\(warning)") }
    }
}
