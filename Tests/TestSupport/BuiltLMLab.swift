// Running the built `lmlab` (.build/debug/lmlab) as a user would, for tests of a command's
// output and exit status.
import Foundation

/// What one run of the built lmlab did.
public struct LMLabRun: Sendable {
    public let status: Int32
    public let out: String
    public let err: String
}

/// Runs `.build/debug/lmlab` with `arguments`; throws when it has not been built.
public func runBuiltLMLab(_ arguments: [String]) throws -> LMLabRun {
    let binary = repositoryRoot.appendingPathComponent(".build/debug/lmlab")
    guard FileManager.default.isExecutableFile(atPath: binary.path) else {
        throw OracleError.failed(script: "lmlab", status: -1, stderr: "run `swift build` first")
    }
    let process = Process()
    process.executableURL = binary
    process.arguments = arguments
    let (out, err) = (Pipe(), Pipe())
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let errData = ReadInBackground(err.fileHandleForReading)
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return LMLabRun(
        status: process.terminationStatus, out: String(decoding: outData, as: UTF8.self),
        err: String(decoding: errData.wait(), as: UTF8.self))
}
