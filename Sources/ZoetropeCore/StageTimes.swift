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

    /// `{"decode": 0.412, "render": 0.7, …}`: seconds by stage as a job keeps them (`json(_:)`).
    public var json: JSONValue? { Self.json(seconds) }

    /// Every stage so far with its seconds.
    public var seconds: [String: Double] { Dictionary(all, uniquingKeysWith: +) }

    /// The most stages a job keeps.
    public static let maximumCount = 16
    /// The longest stage name a job keeps.
    public static let longestName = 32
    /// The most seconds a stage may report (a day).
    public static let maximumSeconds: Double = 86_400

    /// Stage timings as a job keeps them, to the millisecond: only stages named in 1 to
    /// `longestName` lowercase letters, digits or underscores with seconds from 0 to
    /// `maximumSeconds`, the first `maximumCount` of them by name (timings are a courtesy: a bad
    /// one is dropped, never the video); nil when none is left.
    public static func json(_ seconds: [String: Double]) -> JSONValue? {
        let kept = seconds.filter { name, seconds in
            (1...longestName).contains(name.count) && seconds.isFinite && (0...maximumSeconds).contains(seconds)
                && name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
        }.sorted { $0.key < $1.key }.prefix(maximumCount)
        guard !kept.isEmpty else { return nil }
        return .object(Dictionary(uniqueKeysWithValues: kept.map { ($0.key, .number(($0.value * 1000).rounded() / 1000)) }))
    }

    /// "fetch 0.01 s, decode 0.20 s, …", for a log line.
    public var summary: String {
        all.map { "\($0.stage) \(($0.seconds * 100).rounded() / 100) s" }.joined(separator: ", ")
    }
}
