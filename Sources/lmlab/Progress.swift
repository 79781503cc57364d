// A progress bar on stderr: redrawn in place on a terminal, a line per tenth in a log file.
import Foundation

/// Shows `done / total` progress for long work. Quiet for work that ends within `delay` seconds.
final class ProgressBar {
    private let label: String
    /// The number of units of work; may be corrected once it is known.
    var total: Int
    private let start = Date()
    private let delay: TimeInterval
    private let terminal = isatty(STDERR_FILENO) == 1
    private var shown = false
    private var lastTenth = -1
    private var lastDraw = Date.distantPast

    init(_ label: String, total: Int, delay: TimeInterval = 0.5) {
        self.label = label
        self.total = max(total, 1)
        self.delay = delay
    }

    /// Reports that `done` of `total` units are finished; `detail` is shown after the counts.
    func update(_ done: Int, detail: String = "") {
        let now = Date()
        guard shown || now.timeIntervalSince(start) > delay else { return }
        if terminal {
            // Redraw at most ~20 times a second, and always the last step.
            guard done >= total || now.timeIntervalSince(lastDraw) > 0.05 else { return }
            lastDraw = now
            let width = 30
            let filled = min(width, done * width / total)
            let bar = String(repeating: "█", count: filled)
                + String(repeating: "░", count: width - filled)
            let line = "\r\(label) \(bar) \(done)/\(total) \(elapsed(now)) \(detail)"
            FileHandle.standardError.write(Data((line + "\u{1B}[K").utf8))
        } else {
            let tenth = done * 10 / total
            guard tenth > lastTenth else { return }
            lastTenth = tenth
            let line = "\(label) \(done)/\(total) \(elapsed(now)) \(detail)\n"
            FileHandle.standardError.write(Data(line.utf8))
        }
        shown = true
    }

    /// Ends the bar's line on a terminal.
    func finish() {
        if shown && terminal { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    private func elapsed(_ now: Date) -> String {
        String(format: "%.1fs", now.timeIntervalSince(start))
    }
}
