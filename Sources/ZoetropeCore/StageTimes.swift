import Synchronization

/// Where a job's time went, by stage (`fetch`, `decode`, `audio`, `render`, `encode`, `upload`):
/// seconds added up from any thread as the work runs, in the order the stages first appear.
public final class StageTimes: Sendable {
    /// The stages the built-in engine and the runner report, in the order a job meets them.
    public static let names = ["fetch", "decode", "audio", "render", "encode", "upload"]

    private let entries = Mutex<[(stage: String, seconds: Double)]>([])

    public init() {}

    /// Adds `seconds` to `stage`.
    public func add(_ stage: String, _ seconds: Double) {
        entries.withLock { entries in
            if let index = entries.firstIndex(where: { $0.stage == stage }) {
                entries[index].seconds += seconds
            } else {
                entries.append((stage, seconds))
            }
        }
    }

    /// Runs `body`, adding the time it took to `stage`.
    public func measure<T>(_ stage: String, _ body: () throws -> T) rethrows -> T {
        let start = ContinuousClock.now
        defer { add(stage, (ContinuousClock.now - start).inSeconds) }
        return try body()
    }

    /// Runs `body`, adding the time it took to `stage`.
    public func measure<T>(_ stage: String, _ body: () async throws -> T) async rethrows -> T {
        let start = ContinuousClock.now
        defer { add(stage, (ContinuousClock.now - start).inSeconds) }
        return try await body()
    }

    /// Every stage so far with its seconds, in order.
    public var all: [(stage: String, seconds: Double)] { entries.withLock { $0 } }

    /// `{"decode": 0.412, "render": 0.7, …}`: seconds by stage to the millisecond, as a job keeps them.
    public var json: JSONValue {
        .object(Dictionary(uniqueKeysWithValues: all.map { ($0.stage, .number(($0.seconds * 1000).rounded() / 1000)) }))
    }

    /// "fetch 0.01 s, decode 0.20 s, …", for a log line.
    public var summary: String {
        all.map { "\($0.stage) \(($0.seconds * 100).rounded() / 100) s" }.joined(separator: ", ")
    }
}
