/// Whether a render's progress has stood still for longer than `limit`, judged from readings of
/// the progress taken as the lease is kept alive.
public struct StallWatch: Sendable {
    public let limit: Duration
    private var last: Double
    private var moved: ContinuousClock.Instant

    /// A watch that has seen `progress` at `start`.
    public init(limit: Duration, progress: Double, at start: ContinuousClock.Instant) {
        self.limit = limit
        self.last = progress
        self.moved = start
    }

    /// Takes a reading; true when the progress has not moved for longer than `limit` since it
    /// last did.
    public mutating func isStalled(progress: Double, at now: ContinuousClock.Instant) -> Bool {
        guard progress == last else {
            last = progress
            moved = now
            return false
        }
        return now - moved > limit
    }
}
