import Foundation
import Synchronization

/// How an upstream has been answering this process's calls, as `/readyz` and `/metrics` report it.
public struct UpstreamHealth: Sendable, Equatable {
    /// The upstream's state after its latest call.
    public enum State: String, Sendable, CaseIterable {
        /// No call made yet.
        case unused
        case ok
        /// No answer (a network error, a timeout) or 5xx answers.
        case unreachable
        /// 401 or 403: the key was rotated or revoked.
        case keyRefused = "key_refused"
        /// 402 or 406: the account has no credit left.
        case outOfCredits = "out_of_credits"
        /// 429: calls wait as the upstream asks.
        case rateLimited = "rate_limited"
    }

    public var state: State
    /// What the latest call that went wrong met, for the operator (never the key).
    public var detail: String?
    /// Since when the upstream has been in this state.
    public var since: Date

    /// Whether the upstream answers as it should (a rate limit is the upstream working as told).
    public var isUp: Bool { ![.unreachable, .keyRefused, .outOfCredits].contains(state) }
}

/// Each upstream's health as this process has met it in its calls (for `/readyz`, `/metrics` and
/// the log), and a count of the calls that met trouble, by upstream and state.
public final class UpstreamMonitor: Sendable {
    private let states: Mutex<[String: UpstreamHealth]>
    private let onTrouble: @Sendable (_ upstream: String, _ state: UpstreamHealth.State) -> Void

    /// `onTrouble` hears of every call that met anything but `ok` (for a metric).
    public init(
        upstreams: [String], now: Date = Date(),
        onTrouble: @escaping @Sendable (_ upstream: String, _ state: UpstreamHealth.State) -> Void = { _, _ in }
    ) {
        states = Mutex(Dictionary(uniqueKeysWithValues: upstreams.map { ($0, UpstreamHealth(state: .unused, since: now)) }))
        self.onTrouble = onTrouble
    }

    /// Notes how a call to `upstream` went; true when its state changed (worth a log line).
    @discardableResult
    func note(_ upstream: String, _ state: UpstreamHealth.State, detail: String? = nil, now: Date = Date()) -> Bool {
        if state != .ok { onTrouble(upstream, state) }
        return states.withLock { states in
            let changed = states[upstream]?.state != state
            states[upstream] = UpstreamHealth(
                state: state, detail: state == .ok ? nil : detail, since: changed ? now : states[upstream]?.since ?? now)
            return changed
        }
    }

    /// Every configured upstream's health, by name.
    public func health() -> [String: UpstreamHealth] { states.withLock { $0 } }
}
