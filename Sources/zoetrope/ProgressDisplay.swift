import Foundation
import Synchronization
import ZoetropeClient

#if canImport(Glibc)
import Glibc
#endif

/// Shows a job's progress on stderr: a live bar redrawn in place on a terminal (state, queue
/// position, percent, elapsed, ETA), plain lines when stderr is a file or a pipe (one per state
/// change or 10 % step).
final class ProgressDisplay: Sendable {
    let isTerminal: Bool
    private let start = ContinuousClock.now
    private let state = Mutex<(line: String, status: String, step: Int, processingStart: ContinuousClock.Instant?)>(
        ("", "", -1, nil))

    init(isTerminal: Bool = isatty(STDERR_FILENO) == 1) {
        self.isTerminal = isTerminal
    }

    func update(_ job: JobState) {
        let now = ContinuousClock.now
        let elapsed = (now - start).inSeconds
        state.withLock { state in
            if job.status == "PROCESSING" && state.processingStart == nil { state.processingStart = now }
            var eta: Double?
            if let processingStart = state.processingStart, job.progress > 0.05, job.progress < 1 {
                let running = (now - processingStart).inSeconds
                eta = running / job.progress * (1 - job.progress)
            }
            let percent = Int((job.progress * 100).rounded(.down))
            var words = job.status
            if job.status == "QUEUED", let position = job.queuePosition, position > 0 { words += " (position \(position))" }
            if isTerminal {
                let width = 24
                let filled = min(width, Int(job.progress * Double(width)))
                let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
                let line = "\(bar) \(String(format: "%3d", percent))%  \(words)  elapsed \(Self.clock(elapsed))"
                    + (eta.map { "  ETA \(Self.clock($0))" } ?? "")
                FileHandle.standardError.write(Data(("\r\u{1B}[2K" + line).utf8))
                state.line = line
            } else {
                let step = percent / 10
                guard job.status != state.status || step != state.step else { return }
                var line = "status=\(job.status) progress=\(percent)% elapsed=\(String(format: "%.1f", elapsed))s"
                if let position = job.queuePosition, job.status == "QUEUED" { line += " queue_position=\(position)" }
                if let eta { line += " eta=\(String(format: "%.0f", eta))s" }
                FileHandle.standardError.write(Data((line + "\n").utf8))
            }
            state.status = job.status
            state.step = percent / 10
        }
    }

    /// Ends the live line so later output starts on a fresh one.
    func finish() {
        if isTerminal { state.withLock { if !$0.line.isEmpty { FileHandle.standardError.write(Data("\n".utf8)) } } }
    }

    static func clock(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        return String(format: "%d:%02d", total / 60, total % 60)
    }
}
