import Foundation
import Synchronization

/// How far a job on an upstream seems to be, for its status: the upstream's own `progress` when it
/// reports one (a Zoetrope upstream does); otherwise from the upstream's state and how long it has
/// been processing against the model's typical time there, learned from the requests this process
/// saw finish (`defaultTypicalSeconds` until then). Never 1 before the video is stored.
final class UpstreamProgress: Sendable {
    /// What a hosted image-to-video model typically takes, until one has been seen to finish.
    static let defaultTypicalSeconds: Double = 180
    private let typical: Mutex<Double>

    init(typicalSeconds: Double = defaultTypicalSeconds) {
        typical = Mutex(typicalSeconds)
    }

    /// The model's typical processing time on the upstream, in seconds.
    var typicalSeconds: Double { typical.withLock { $0 } }

    /// The fraction to report while the upstream says `state`; `reported` is its own progress, if
    /// any; `processingFor`, the seconds since it first said PROCESSING.
    func fraction(state: String, reported: Double?, processingFor: Double?) -> Double {
        if let reported, reported.isFinite { return min(max(reported, 0), 0.99) }
        guard state == "PROCESSING", let processingFor else { return 0.02 }
        return min(0.95, 0.05 + 0.9 * max(processingFor, 0) / typicalSeconds)
    }

    /// Learns from a request that took `seconds` to process.
    func learn(seconds: Double) {
        guard seconds.isFinite, seconds > 0 else { return }
        typical.withLock { $0 = 0.7 * $0 + 0.3 * seconds }
    }
}
