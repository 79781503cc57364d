// The web pages in a real browser: Tests/Browser/browser_tour.py starts the built `lmlab serve`
// on a fresh data directory and drives Debian's headless Chromium through Selenium — sign in,
// hand in a buggy file and watch it graded without a reload, find the mistake's title and its
// attention heatmaps, a run's curve and a leaderboard, a student's script left as text, sign
// out; an instructor regrades. `.ci/setup` installs Chromium, its driver and Selenium.
import Foundation
import Testing

private let repository = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

@Suite struct BrowserTests {
    @Test func aStudentAndAnInstructorTourThePages() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", repository.appendingPathComponent("Tests/Browser/browser_tour.py").path,
            "--lmlab", repository.appendingPathComponent(".build/debug/lmlab").path,
        ]
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let report = try? JSONSerialization.jsonObject(with: stdout) as? [String: Any]
        #expect(
            process.terminationStatus == 0 && report?["ok"] as? Bool == true,
            "\(String(decoding: stdout, as: UTF8.self))\n\(String(decoding: stderr, as: UTF8.self))")
        // Every step of the tour ran (a step list cut short would pass nothing).
        let checked = (report?["checked"] as? [String]) ?? []
        for step in [
            "the page was updated without reloading", "the feedback names the mistake",
            "the feedback shows attention heatmaps", "the run page draws its curve",
            "the run page: the script typed by a student did not run",
            "the leaderboard ranks the run", "signed out: My labs asks to sign in again",
            "the regrade queued the submission",
        ] {
            #expect(checked.contains(step), "missing step: \(step)")
        }
    }
}
