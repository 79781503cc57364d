// Turns lab folders in `submissions/<student>/<lab>/` into queued submissions, as
// `lmlab submit <folder>` would: a folder holding only one .py/.ipynb file is that file; a folder
// holding more (helpers, notes, subpackages) is ONE submission of the whole folder, packed as a
// SubmissionBundle. A folder with no top-level .py/.ipynb file has no entry module and waits.
// The folder is polled: it is taken once every file's size and modification time held still
// between two scans, and again whenever the packed content's sha256 changes.
import Foundation
import Logging
import ServiceLifecycle
import Store

public final class DropFolderWatcher: Service, Sendable {
    /// What the watcher remembers about one lab folder between scans.
    private struct Seen {
        var signature: [FileStamp]
        /// Whether this signature was already handled, whatever the outcome.
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
        for labFolder in candidates() {
            if let id = consider(labFolder) { queued.append(id) }
        }
        return queued
    }

    /// One `<student>/<lab>` folder that holds at least one top-level .py/.ipynb file.
    private struct Candidate {
        var folder: URL
        var student: String
        var lab: String
        /// The one code file when it is the folder's only (visible) entry; nil for a folder.
        var single: URL?
        /// Every file the submission would hold with its size and modification date, so a
        /// change to any of them (or one appearing or going) is noticed.
        var signature: [FileStamp]
    }

    struct FileStamp: Equatable, Sendable {
        var path: String
        var size: Int
        var modified: Date
    }

    static func isCode(_ name: String) -> Bool {
        let ext = (name as NSString).pathExtension.lowercased()
        return ext == "py" || ext == "ipynb"
    }

    /// The lab folders two levels below the drop folder that hold an entry module.
    private func candidates() -> [Candidate] {
        let fm = FileManager.default
        func children(_ url: URL) -> [URL] {
            (try? fm.contentsOfDirectory(
                at: url, includingPropertiesForKeys: [.isDirectoryKey],
                options: [.skipsHiddenFiles])) ?? []
        }
        // The entry itself, not what a symbolic link points at: a link in the drop folder (to
        // /etc, to another student's folder) is never followed.
        func isDirectory(_ url: URL) -> Bool { RegularFile.kind(url) == .typeDirectory }
        func isRegular(_ url: URL) -> Bool { RegularFile.kind(url) == .typeRegular }
        var found: [Candidate] = []
        for studentDir in children(folder) where isDirectory(studentDir) {
            for labDir in children(studentDir) where isDirectory(labDir) {
                // The same rule as `lmlab submit <folder>` (SubmissionPayload.read): a folder
                // whose only visible entry is a .py/.ipynb file is that file; anything more is
                // the folder, packed as a SubmissionBundle. A folder with no top-level code
                // (notes only, or code only in subfolders) has no entry module: skipped.
                // Caches the packer leaves out (__pycache__ after a local run) do not count.
                let entries = children(labDir).filter {
                    !SubmissionBundle.skipped.contains($0.lastPathComponent)
                }
                let code = entries.filter { Self.isCode($0.lastPathComponent) && isRegular($0) }
                guard !code.isEmpty else { continue }
                let single = entries.count == 1 ? code.first : nil
                let signature =
                    single.map { Self.stamps(of: $0, in: labDir) }
                    ?? Self.stamps(under: labDir)
                found.append(
                    Candidate(
                        folder: labDir, student: studentDir.lastPathComponent,
                        lab: labDir.lastPathComponent, single: single, signature: signature))
            }
        }
        return found.sorted { $0.folder.path < $1.folder.path }
    }

    private static func stamp(_ url: URL, path: String) -> FileStamp? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path),
            attributes[.type] as? FileAttributeType == .typeRegular
        else { return nil }
        return FileStamp(
            path: path, size: (attributes[.size] as? NSNumber)?.intValue ?? 0,
            modified: attributes[.modificationDate] as? Date ?? .distantPast)
    }

    private static func stamps(of file: URL, in folder: URL) -> [FileStamp] {
        stamp(file, path: file.lastPathComponent).map { [$0] } ?? []
    }

    /// The files SubmissionBundle.pack would take (same walk, same skipped names).
    static func stamps(under folder: URL) -> [FileStamp] {
        var result: [FileStamp] = []
        func walk(_ url: URL, _ relative: String, depth: Int) {
            // Bounded: a symbolic link loop cannot occur (pack and this walk skip links), but
            // an absurdly deep tree is not a lab submission.
            guard depth <= SubmissionBundle.maxDepth,
                let names = try? FileManager.default.contentsOfDirectory(atPath: url.path)
            else { return }
            for name in names.sorted() where !SubmissionBundle.skipped.contains(name) {
                let item = url.appendingPathComponent(name)
                let path = relative.isEmpty ? name : relative + "/" + name
                let type = (try? FileManager.default.attributesOfItem(atPath: item.path))?[.type]
                    as? FileAttributeType
                if type == .typeDirectory {
                    walk(item, path, depth: depth + 1)
                } else if let stamp = stamp(item, path: path) {
                    result.append(stamp)
                }
            }
        }
        walk(folder, "", depth: 0)
        return result
    }

    /// What a lab folder is handed in as: the single file, or the packed folder.
    /// Both are checked as an upload is (SubmissionCheck), and read without following links.
    private func payload(_ candidate: Candidate) throws -> (filename: String, content: Data) {
        let filename: String
        let content: Data
        if let single = candidate.single {
            filename = single.lastPathComponent
            do {
                content = try RegularFile.contents(
                    of: single, maxBytes: SubmissionBundle.maxBytes)
            } catch {
                throw LabGraderError.bundle("\(filename) is not a regular file of at most"
                    + " \(SubmissionBundle.maxBytes >> 20) MiB (\(error)); skipped")
            }
        } else {
            let packed = try SubmissionBundle.pack(folder: candidate.folder)
            filename = packed.filename
            content = packed.content
        }
        try SubmissionCheck.filename(filename)
        try SubmissionCheck.content(content, filename: filename)
        return (filename, content)
    }

    /// Queues the folder if it is stable and new; nil when it waits, is a repeat, or is skipped.
    private func consider(_ candidate: Candidate) -> Int64? {
        let key = candidate.folder.path
        // A folder seen for the first time, or in which any file's size or date moved (or a
        // file came or went), may still be being written: wait for it to hold still.
        let ready = seen.withLock { seen -> Bool in
            if var known = seen[key], known.signature == candidate.signature {
                if known.handled { return false }
                known.handled = true
                seen[key] = known
                return true
            }
            let sha = seen[key]?.submittedSHA
            seen[key] = Seen(signature: candidate.signature, submittedSHA: sha)
            return false
        }
        guard ready else { return nil }
        var log = logger
        log[metadataKey: "folder"] = "\(key)"
        log[metadataKey: "student"] = "\(candidate.student)"
        log[metadataKey: "lab"] = "\(candidate.lab)"
        do {
            let (filename, content) = try payload(candidate)
            let sha = SHA256.hexDigest(content)
            if seen.withLock({ $0[key]?.submittedSHA }) == sha { return nil }
            guard try store.student(id: candidate.student) != nil else {
                retryLater(
                    key, warning: "drop folder: unknown student; skipped until imported", log)
                return nil
            }
            guard try store.lab(id: candidate.lab) != nil else {
                retryLater(key, warning: "drop folder: unknown lab; skipped until synced", log)
                return nil
            }
            // After a restart the memory is empty: if the student's latest submission to the
            // lab is this very file or folder, it was already queued.
            if let latest = try store.latestSubmission(
                student: candidate.student, lab: candidate.lab),
                latest.filename == filename, latest.sha256 == sha
            {
                seen.withLock { $0[key]?.submittedSHA = sha }
                return nil
            }
            let id = try store.enqueue(
                student: candidate.student, lab: candidate.lab, filename: filename,
                content: content, source: .drop, submittedAt: Date())
            seen.withLock { $0[key]?.submittedSHA = sha }
            log.info(
                "drop folder: queued", metadata: ["submission": "\(id)", "file": "\(filename)"])
            return id
        } catch let error as LabGraderError {
            // The folder cannot be packed (too large, empty): no use retrying until it changes.
            log.warning("drop folder: not queued: \(error)")
            return nil
        } catch let error as ServerError {
            // Not what its name says (not UTF-8, not a notebook, a bad name): the same.
            log.warning("drop folder: not queued: \(error)")
            return nil
        } catch {
            retryLater(key, warning: "drop folder: could not queue: \(error)", log)
            return nil
        }
    }

    /// Looks at the folder again next scan, warning once per folder rather than every second.
    private func retryLater(_ key: String, warning: String, _ log: Logger) {
        let first = warned.withLock { $0.insert(key).inserted }
        seen.withLock { $0[key]?.handled = false }
        if first { log.warning("\(warning)") }
    }
}
