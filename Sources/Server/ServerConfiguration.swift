// The daemon's settings: where it listens, how many workers grade, how long leases and grace
// periods last, where the drop folder is. The CLI fills it from its options.
import Foundation

public struct ServerConfiguration: Sendable {
    /// Address to listen on; loopback unless the instructor says otherwise.
    public var host: String = "127.0.0.1"
    public var port: Int = 8080
    /// Number of concurrent grading workers.
    public var workers: Int = ProcessInfo.processInfo.activeProcessorCount
    /// How long a claim lasts without renewal; a crashed daemon's work is re-queued after it.
    public var lease: TimeInterval = 60
    /// How often a busy worker renews its lease.
    public var leaseRenewal: TimeInterval = 20
    /// How often the sweeper re-queues leases that expired (a worker or daemon that died).
    public var leaseSweepInterval: TimeInterval = 15
    /// How long an idle worker waits before asking the queue again.
    public var pollInterval: TimeInterval = 0.25
    /// Grading that takes longer is cancelled and the submission marked 'error'.
    public var gradingTimeout: TimeInterval = 600
    /// On SIGTERM/SIGINT, in-flight grading may finish within this time, else it is re-queued.
    public var shutdownGrace: TimeInterval = 30
    /// Largest accepted submission body, in bytes: room for a folder packed at
    /// SubmissionBundle's 5 MiB limit, whose files travel base64-encoded (4/3 of their size).
    public var maxSubmissionBytes: Int = 8 << 20
    /// The drop folder (`submissions/<student>/<lab>/<file>`); nil turns the watcher off.
    public var dropFolder: URL? = nil
    /// How often the drop folder is scanned.
    public var dropScanInterval: TimeInterval = 1
    /// Self-checks (POST /api/labs/:lab/check) a student may run per lab and hour; a limit of
    /// its own, apart from the lab's submission limit.
    public var checkRateLimitPerHour: Int = 60
    /// The Python client served at GET /client/lmlab_client.py (labs/client/lmlab_client.py);
    /// nil: that route answers 404.
    public var clientScript: URL? = nil

    public init() {}
}
