// The store: one Sendable value over a GRDB database writer plus the blob folder. Opening it
// migrates the schema; every read or write is one verb-named method and one transaction.
import Foundation
import GRDB

public struct LabStore: Sendable {
    /// Access to the database (a `DatabasePool` in WAL mode on disk, a queue in memory).
    private let dbWriter: any DatabaseWriter
    /// Where submission contents live, named by their SHA-256.
    public let blobs: BlobStore

    /// How long a connection waits for another process's write lock before failing.
    public static let busyTimeout: TimeInterval = 5
    /// The database file's name inside the data directory.
    public static let databaseFilename = "lmlab.sqlite"

    /// Wraps `dbWriter` (made with `makeConfiguration()`) and migrates it to the latest schema.
    public init(_ dbWriter: any DatabaseWriter, blobs: BlobStore) throws {
        self.dbWriter = dbWriter
        self.blobs = blobs
        try LabStore.migrator.migrate(dbWriter)
    }

    /// Opens (creating if needed) `directory/lmlab.sqlite` in WAL mode and `directory/blobs`.
    public static func open(directory: URL) throws -> LabStore {
        do {
            try FileManager.default.createDirectory(
                at: directory, withIntermediateDirectories: true)
        } catch {
            throw StoreError.io(path: directory.path, reason: "\(error)")
        }
        let path = directory.appendingPathComponent(databaseFilename).path
        let pool = try DatabasePool(path: path, configuration: makeConfiguration())
        let blobs = try BlobStore(root: directory.appendingPathComponent("blobs"))
        return try LabStore(pool, blobs: blobs)
    }

    /// An empty in-memory database for tests; blobs go to `blobDirectory`, or to a fresh folder
    /// under the system temporary directory.
    public static func inMemory(blobDirectory: URL? = nil) throws -> LabStore {
        let root =
            blobDirectory
            ?? FileManager.default.temporaryDirectory
            .appendingPathComponent("lmlab-blobs-\(UUID().uuidString)")
        let queue = try DatabaseQueue(configuration: makeConfiguration())
        return try LabStore(queue, blobs: try BlobStore(root: root))
    }

    /// The configuration every connection uses: foreign keys on (GRDB's default) and a busy
    /// timeout so that two processes (daemon and CLI) wait for each other instead of failing.
    public static func makeConfiguration(_ base: Configuration = Configuration()) -> Configuration {
        var config = base
        config.foreignKeysEnabled = true
        config.busyMode = .timeout(busyTimeout)
        return config
    }

    /// The data directory: `--data DIR` if given, else `$LMLAB_HOME`, else `.lmlab/` in the
    /// current directory.
    public static func dataDirectory(
        option: String?, environment: [String: String] = ProcessInfo.processInfo.environment,
        currentDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    ) -> URL {
        if let option, !option.isEmpty {
            return URL(fileURLWithPath: option, relativeTo: currentDirectory).standardizedFileURL
        }
        if let home = environment["LMLAB_HOME"], !home.isEmpty {
            return URL(fileURLWithPath: home, relativeTo: currentDirectory).standardizedFileURL
        }
        return currentDirectory.appendingPathComponent(".lmlab").standardizedFileURL
    }

    /// Read-only access for diagnostics and tests.
    public var reader: any DatabaseReader { dbWriter }

    /// The writer, for the store's own extensions.
    var writer: any DatabaseWriter { dbWriter }
}
