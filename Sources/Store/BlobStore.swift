// The content-addressed folder of submission files: `blobs/sha256/ab/abcdef…`. A blob is
// written to a temporary file, synced, then renamed into place, so it is whole or absent.
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

public struct BlobStore: Sendable {
    /// The `blobs` folder.
    public let root: URL

    /// Uses (creating if needed) the folder `root`.
    public init(root: URL) throws {
        self.root = root
        for folder in [root.appendingPathComponent("sha256"), root.appendingPathComponent("tmp")] {
            do {
                try FileManager.default.createDirectory(
                    at: folder, withIntermediateDirectories: true)
            } catch {
                throw StoreError.io(path: folder.path, reason: "\(error)")
            }
        }
    }

    /// Where the blob with this SHA-256 hex lives (whether or not it exists).
    public func url(sha256: String) -> URL {
        precondition(sha256.count == 64, "a SHA-256 hex digest has 64 digits")
        return root.appendingPathComponent("sha256")
            .appendingPathComponent(String(sha256.prefix(2)))
            .appendingPathComponent(sha256)
    }

    /// Stores `content` and returns its SHA-256 hex. Storing the same content twice is free.
    @discardableResult
    public func write(_ content: Data) throws -> String {
        let digest = SHA256.hexDigest(content)
        let destination = url(sha256: digest)
        if FileManager.default.fileExists(atPath: destination.path) { return digest }
        let folder = destination.deletingLastPathComponent()
        let temporary = root.appendingPathComponent("tmp").appendingPathComponent(
            UUID().uuidString)
        do {
            try FileManager.default.createDirectory(
                at: folder, withIntermediateDirectories: true)
            guard FileManager.default.createFile(atPath: temporary.path, contents: content) else {
                throw StoreError.io(path: temporary.path, reason: "could not create the file")
            }
            // Sync before the rename so a crash cannot leave a named but empty blob.
            let handle = try FileHandle(forWritingTo: temporary)
            try handle.synchronize()
            try handle.close()
        } catch let error as StoreError {
            throw error
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw StoreError.io(path: temporary.path, reason: "\(error)")
        }
        // rename(2) replaces atomically: a concurrent writer of the same content is harmless.
        guard rename(temporary.path, destination.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw StoreError.io(path: destination.path, reason: reason)
        }
        return digest
    }

    /// The content of a blob, checked against its name.
    public func read(sha256: String) throws -> Data {
        let location = url(sha256: sha256)
        guard let data = FileManager.default.contents(atPath: location.path) else {
            throw StoreError.blob(sha256: sha256, reason: "missing at \(location.path)")
        }
        guard SHA256.hexDigest(data) == sha256 else {
            throw StoreError.blob(sha256: sha256, reason: "content does not match its hash")
        }
        return data
    }
}
