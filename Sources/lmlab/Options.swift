// Option groups shared by lmlab's commands.
import ArgumentParser
import Foundation
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
