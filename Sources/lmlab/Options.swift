// Option groups shared by lmlab's commands.
import ArgumentParser
import Foundation
import Service
import Store

/// Where lmlab keeps its database and submission blobs.
struct DataOptions: ParsableArguments {
    @Option(
        name: .long,
        help: "Data directory holding lmlab.sqlite and the stored submissions (default: $LMLAB_HOME, else .lmlab).")
    var data: String?

    /// The resolved data directory: --data, else $LMLAB_HOME, else ./.lmlab.
    var directory: URL { LabStore.dataDirectory(option: data) }

    /// Opens (creating and migrating if needed) the store in the data directory.
    func openStore() throws -> LabStore { try LabStore.open(directory: directory) }
}

/// A running daemon to talk to instead of the local data directory.
struct RemoteOptions: ParsableArguments {
    @Option(
        name: .long,
        help: "URL of an lmlab server, e.g. http://127.0.0.1:8080 (default: $LMLAB_SERVER).")
    var server: String?

    @Option(name: .long, help: "Your API token for the server (default: $LMLAB_TOKEN).")
    var token: String?

    /// The server URL from --server or $LMLAB_SERVER; nil means work locally.
    var serverURL: String? {
        if let server, !server.isEmpty { return server }
        let env = ProcessInfo.processInfo.environment["LMLAB_SERVER"]
        return env?.isEmpty == false ? env : nil
    }

    var resolvedToken: String {
        token ?? ProcessInfo.processInfo.environment["LMLAB_TOKEN"] ?? ""
    }

    /// The client for these options: remote if a server is named (an instructor's token for
    /// the instructors' commands), else the local store. Both clients serve students and
    /// instructors alike.
    func client(data: DataOptions) throws -> any CourseClient & InstructorClient {
        if let serverURL { return try RemoteClient(server: serverURL, token: resolvedToken) }
        return LocalClient(store: try data.openStore())
    }

    /// Said in the help of every instructor command that works both ways.
    static let instructorDiscussion =
        "Works on the local data directory (--data), or against a running `lmlab serve` with"
        + " --server URL --token T (an instructor's token)."
}

/// Writes `line` to stderr: warnings and logs stay out of a command's stdout.
func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
