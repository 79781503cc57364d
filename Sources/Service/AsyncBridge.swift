// Runs async service code from lmlab's synchronous commands (the root command is a plain
// ParsableCommand): the work runs on the concurrency pool while the calling thread waits.
import Foundation

private final class ResultBox<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var result: Result<T, any Error>?

    func set(_ value: Result<T, any Error>) {
        lock.lock()
        result = value
        lock.unlock()
    }

    func get() -> Result<T, any Error>? {
        lock.lock()
        defer { lock.unlock() }
        return result
    }
}

/// Waits for `body` on the calling thread, which must not be a concurrency-pool thread (a
/// command's `run()` is on the main thread).
public func runBlocking<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
    let box = ResultBox<T>()
    let done = DispatchSemaphore(value: 0)
    Task {
        do {
            box.set(.success(try await body()))
        } catch {
            box.set(.failure(error))
        }
        done.signal()
    }
    done.wait()
    guard let result = box.get() else { preconditionFailure("the task signalled without a result") }
    return try result.get()
}
