// Getting `lmlab serve` (and the demo) ready: labs synced from labs/ into the store, the real
// grader built over the sandbox (or refused when bubblewrap cannot run unless told otherwise).
import Foundation
import Grading
import Harness
import Hummingbird
import LabConfig
import Logging
import Server
import Store

/// What the daemon knows when it starts.
public struct DaemonSetup: Sendable {
    public var labs: [Lab]
    /// Labs under labs/ that do not validate: skipped, never served (say so, with the reasons).
    public var skipped: [InvalidLab]
    public var grader: LabGrader
    /// False when running with --no-sandbox.
    public var sandboxed: Bool
    public var students: Int
    public var instructors: Int
    /// Verified runs after grading (nil: not asked for, as in the demo).
    public var verifier: BaseModelVerifier?
    /// The Python client the daemon serves at GET /client/lmlab_client.py.
    public var clientScript: URL
}

/// Syncs `labsRoot` into `store` and builds the grader. With `allowUnsandboxed` false, a
/// machine where bubblewrap cannot run is an error that says what to do. With `verification`,
/// labs with a `[verify]` table get verified runs on that base model after grading (its model
/// and evaluation tokens are loaded here, once).
/// `warmSandboxes` runners of each kind (a lab's limits, NumPy or torch) are kept started ahead
/// of submissions (0: every runner starts cold).
public func prepareDaemon(
    store: LabStore, labsRoot: URL, allowUnsandboxed: Bool,
    verification: VerificationOptions? = nil, warmSandboxes: Int = 0
) throws -> DaemonSetup {
    let survey = try syncLabs(labsRoot: labsRoot, into: store)
    let labs = survey.labs
    let harness = labsRoot.appendingPathComponent("harness", isDirectory: true)
    let verifier = try verification.map { try BaseModelVerifier.load($0, store: store) }
    let pool = warmSandboxes > 0 ? SandboxPool(size: warmSandboxes) : nil
    let grader: LabGrader
    if allowUnsandboxed {
        grader = try LabGrader(
            labs: labs, harnessDirectory: harness, isolation: .none, verifier: verifier,
            pool: pool)
    } else {
        do {
            grader = try LabGrader(
                labs: labs, harnessDirectory: harness, isolation: .sandbox, verifier: verifier,
                pool: pool)
        } catch let error as HarnessError {
            throw ServiceError.usage(
                "cannot sandbox student code: \(error). Install bubblewrap (apt-get install"
                    + " bubblewrap) and allow unprivileged user namespaces, or pass --no-sandbox"
                    + " if every submission is code you trust")
        }
    }
    let people = try store.students()
    return DaemonSetup(
        labs: labs, skipped: survey.invalid, grader: grader, sandboxed: !allowUnsandboxed,
        students: people.filter { !$0.isInstructor }.count,
        instructors: people.filter(\.isInstructor).count, verifier: verifier,
        clientScript: labsRoot.appendingPathComponent("client/lmlab_client.py"))
}

/// Whether bubblewrap can run here (what the demo uses to decide how to isolate its samples).
public func sandboxWorks(labsRoot: URL) -> Bool {
    let harness = labsRoot.appendingPathComponent("harness", isDirectory: true)
    return (try? Sandbox.make(harnessDirectory: harness, isolation: .sandbox)) != nil
}

/// Serves until SIGTERM/SIGINT (ServiceLifecycle's graceful shutdown lets the workers finish or
/// re-queue their in-flight grading). The grader also runs students' self-checks, and the labs
/// folder's Python client is served unless the configuration names another.
/// `lecture` is the model the lecture's pages run (nil: those pages say how to get one).
public func runDaemon(
    _ configuration: ServerConfiguration, setup: DaemonSetup, store: LabStore,
    lecture: LectureModel? = nil, logger: Logger = Logger(label: "lmlab.server")
) async throws {
    var configuration = configuration
    configuration.clientScript = configuration.clientScript ?? setup.clientScript
    let app = buildApplication(
        configuration, grader: setup.grader, store: store, checker: setup.grader,
        lecture: lecture, logger: logger)
    // Whatever way the service ends, no warm sandbox outlives it.
    defer { setup.grader.pool?.close() }
    try await app.runService()
}
