// Runs the independent Python/NumPy oracles under Tests/Oracle and hands out scratch folders.
import Foundation

public enum OracleError: Error, CustomStringConvertible {
    case failed(script: String, status: Int32, stderr: String)

    public var description: String {
        switch self {
        case .failed(let script, let status, let stderr):
            return "oracle \(script) exited \(status): \(stderr)"
        }
    }
}

/// The repository root, found from this file's location (Tests/TestSupport/Oracle.swift).
public let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Runs `python3 Tests/Oracle/<script> <arguments…>` with `input` on stdin; returns stdout.
@discardableResult
public func runOracle(_ script: String, _ arguments: [String] = [], input: Data = Data()) throws
    -> Data
{
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    let path = repositoryRoot.appendingPathComponent("Tests/Oracle/\(script)").path
    process.arguments = ["python3", path] + arguments
    let stdin = Pipe()
    let stdout = Pipe()
    let stderr = Pipe()
    process.standardInput = stdin
    process.standardOutput = stdout
    process.standardError = stderr
    try process.run()
    stdin.fileHandleForWriting.write(input)
    try? stdin.fileHandleForWriting.close()
    // Read both pipes before waiting so a chatty oracle cannot fill a pipe and stall.
    let errData = ReadInBackground(stderr.fileHandleForReading)
    let out = stdout.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw OracleError.failed(
            script: script, status: process.terminationStatus,
            stderr: String(decoding: errData.wait(), as: UTF8.self))
    }
    return out
}

/// A fresh scratch folder under the system temporary directory, removed by the caller if wanted.
public func makeScratchDirectory(_ prefix: String = "lmlab-test") throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("\(prefix)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Drains a file handle on a background thread.
public final class ReadInBackground: @unchecked Sendable {
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    public init(_ handle: FileHandle) {
        DispatchQueue.global().async {
            self.data = handle.readDataToEndOfFile()
            self.done.signal()
        }
    }

    public func wait() -> Data {
        done.wait()
        return data
    }
}
