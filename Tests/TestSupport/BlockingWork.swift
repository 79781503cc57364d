// Tests that block a thread for seconds (waiting on Python sandboxes, oracles, subprocesses) run
// on threads of their own, not on the Swift concurrency pool. That pool has one thread per core
// (two on CI): two blocking tests on it would starve every async test of the run — in-process
// daemons, their workers' lease renewals, grading timeouts — until those fail or hang.
//
// `@Suite(.blockingWork)` runs each of the suite's tests with a task-executor preference for
// `BlockingExecutor`, whose jobs run on Dispatch's overcommitting queue (a new thread when the
// others are blocked). A gate admits a few such tests at a time, so the sandboxes they start do
// not swamp the cores; tests waiting at the gate hold no thread.
import Dispatch
import Foundation
import Testing

/// Runs jobs on Dispatch's overcommitting root queue: a blocked job never holds back another.
public final class BlockingExecutor: TaskExecutor, @unchecked Sendable {
    public static let shared = BlockingExecutor()
    private let queue = DispatchQueue(label: "lmlab.tests.blocking", attributes: .concurrent)

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }
}

/// Admits at most `width` holders at once; waiting holds no thread.
actor BlockingGate {
    static let shared = BlockingGate(
        width: max(2, ProcessInfo.processInfo.activeProcessorCount))

    private let width: Int
    private var holders = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(width: Int) { self.width = width }

    func enter() async {
        if holders < width {
            holders += 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func leave() {
        if waiting.isEmpty {
            holders -= 1
        } else {
            waiting.removeFirst().resume()  // the place passes straight to the next waiter
        }
    }
}

/// The trait behind `.blockingWork`.
public struct BlockingWorkTrait: TestTrait, SuiteTrait, TestScoping {
    public var isRecursive: Bool { true }

    public func scopeProvider(for test: Test, testCase: Test.Case?) -> Self? {
        testCase == nil ? nil : self  // each test case, not the suite around them
    }

    public func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        await BlockingGate.shared.enter()
        do {
            try await withTaskExecutorPreference(BlockingExecutor.shared) { try await function() }
        } catch {
            await BlockingGate.shared.leave()
            throw error
        }
        await BlockingGate.shared.leave()
    }
}

extension Trait where Self == BlockingWorkTrait {
    /// The test blocks threads for long stretches: run it off the concurrency pool.
    public static var blockingWork: Self { BlockingWorkTrait() }
}
