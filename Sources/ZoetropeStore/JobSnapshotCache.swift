import Synchronization
import ZoetropeCore

/// Job states a store read recently, so a status poll of a job that has not changed costs no
/// database read. A store tells it of every change to a job (its own writes at once; on
/// PostgreSQL every other process's through `NOTIFY zoetrope_jobs`), and a read that raced a
/// change is never kept: an entry is kept only when no change to its job, and no "forget
/// everything", happened since the read began. While changes could go unseen (PostgreSQL's
/// `LISTEN` connection is down) nothing is served from it. An entry is served for at most `maxAge`.
public final class JobSnapshotCache: Sendable {
    private enum Entry {
        /// The job as read at `readAt`, by a read begun at the count `tick`.
        case known(JobSnapshot, readAt: ContinuousClock.Instant, tick: UInt64)
        /// The job changed, making the count `tick` (reads begun at a lower count are not kept).
        case changed(tick: UInt64)
    }

    private struct State {
        var entries: [String: Entry] = [:]
        /// Counts changes; a read remembers the count it began at.
        var tick: UInt64 = 0
        /// The tick of the latest "forget everything".
        var clearedAt: UInt64 = 0
        var trusted: Bool
    }

    /// Where a read began, to tell whether a change raced it.
    public struct ReadTicket: Sendable {
        fileprivate let tick: UInt64
        fileprivate let startedAt: ContinuousClock.Instant
    }

    private let state: Mutex<State>
    private let maxAge: Duration
    private let capacity: Int

    /// The longest an entry is served by default: a bound on a change that went unheard without
    /// the store knowing (a connection that died silently).
    public static let defaultMaxAge: Duration = .seconds(5)

    /// `trusted`: whether every change is heard from the start (false until a listener says so).
    public init(maxAge: Duration = defaultMaxAge, capacity: Int = 20_000, trusted: Bool = true) {
        self.maxAge = maxAge
        self.capacity = capacity
        self.state = Mutex(State(trusted: trusted))
    }

    /// The job `id`'s state: kept, or read with `read` (and kept when nothing raced the read).
    public func snapshot(
        id: String, read: () async throws -> JobSnapshot?
    ) async throws -> JobSnapshot? {
        if let kept = cached(id: id) { return kept }
        let ticket = beginRead()
        let snapshot = try await read()
        if let snapshot { keep(snapshot, ticket: ticket) }
        return snapshot
    }

    /// The kept state of job `id`, when it is still good.
    public func cached(id: String) -> JobSnapshot? {
        let now = ContinuousClock.now
        return state.withLock { state in
            guard state.trusted, case .known(let snapshot, let readAt, _) = state.entries[id], now - readAt < maxAge
            else { return nil }
            return snapshot
        }
    }

    /// Marks the start of a read whose result may be kept.
    public func beginRead() -> ReadTicket {
        let now = ContinuousClock.now
        return state.withLock { ReadTicket(tick: $0.tick, startedAt: now) }
    }

    /// Keeps `snapshot`, read since `ticket`, unless its job changed (or everything was forgotten)
    /// since, or a read begun later is already kept.
    public func keep(_ snapshot: JobSnapshot, ticket: ReadTicket) {
        state.withLock { state in
            guard state.trusted, ticket.tick >= state.clearedAt else { return }
            switch state.entries[snapshot.id] {
            case .changed(let tick)? where tick > ticket.tick: return
            case .known(_, _, let tick)? where tick > ticket.tick: return
            default: break
            }
            if state.entries.count >= capacity { Self.forgetAll(&state) }
            guard ticket.tick >= state.clearedAt else { return }
            state.entries[snapshot.id] = .known(snapshot, readAt: ticket.startedAt, tick: ticket.tick)
        }
    }

    /// Job `id` changed; nil: any job may have changed.
    public func changed(_ id: String?) {
        state.withLock { state in
            guard let id else { return Self.forgetAll(&state) }
            state.tick += 1
            if state.entries.count >= capacity { Self.forgetAll(&state) }
            state.entries[id] = .changed(tick: state.tick)
        }
    }

    /// The jobs `ids` changed.
    public func changed(_ ids: some Sequence<String>) {
        for id in ids { changed(id) }
    }

    /// Whether every change is heard now. Turning it on forgets everything first (changes made
    /// while it was off went unheard).
    public func setTrusted(_ trusted: Bool) {
        state.withLock { state in
            if trusted && !state.trusted { Self.forgetAll(&state) }
            state.trusted = trusted
        }
    }

    private static func forgetAll(_ state: inout State) {
        state.tick += 1
        state.clearedAt = state.tick
        state.entries.removeAll(keepingCapacity: true)
    }
}
