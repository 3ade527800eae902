import Foundation
import Logging
import ZoetropeCore

/// An upstream's calls with the rules every call follows: a 429 waits as long as the upstream
/// says; 5xx answers and network errors are retried with a growing pause until the upstream has
/// failed for `patience`; and the upstream's own trouble (its key refused, no credit left, not
/// reachable) is told to the operator (the monitor, which `/readyz` and `/metrics` read, and the
/// log) and ends the job with a reason that names neither the key nor the account.
struct UpstreamCaller: Sendable {
    let client: UpstreamClient
    let monitor: UpstreamMonitor
    /// How long an upstream may go unanswering (network errors, 5xx) before the job fails.
    let patience: Duration
    let logger: Logger

    var endpoint: UpstreamEndpoint { client.endpoint }

    /// The first verdict on `call` that is neither a wait nor a blip: an answer, a 404 or a
    /// refusal. `what` names the call for the log.
    func settled(_ what: String, _ call: @Sendable () async throws -> UpstreamReply) async throws -> UpstreamVerdict {
        var outageSince: ContinuousClock.Instant?
        var pause = Duration.milliseconds(500)
        while true {
            let attempt = ContinuousClock.now
            let verdict: UpstreamVerdict
            do {
                verdict = .of(try await call())
            } catch {
                if error is CancellationError || Task.isCancelled { throw CancellationError() }
                verdict = .retry(String("\(error)".prefix(200)))
            }
            switch verdict {
            case .wait(let seconds):
                note(.rateLimited, "\(what) answered 429; waiting \(Int(seconds.rounded(.up))) s as it asks")
                outageSince = nil
                try await Task.sleep(for: .milliseconds(Int64(seconds * 1000)))
            case .retry(let detail):
                note(.unreachable, "\(what) failed: \(endpoint.key.redacting(detail))")
                let start = outageSince ?? attempt
                outageSince = start
                guard ContinuousClock.now - start < patience else { throw RenderError(UpstreamReason.unreachable) }
                try await Task.sleep(for: pause)
                pause = min(pause * 2, .seconds(10))
            case .trouble(let state, let detail):
                note(state, "\(what) answered \(detail)")
                throw RenderError(state == .keyRefused ? UpstreamReason.keyRefused : UpstreamReason.outOfCredits)
            default:
                note(.ok)
                return verdict
            }
        }
    }

    /// Tells the monitor how a call went, and the log when that changes the upstream's state.
    private func note(_ state: UpstreamHealth.State, _ detail: String? = nil) {
        guard monitor.note(endpoint.name, state, detail: detail) else { return }
        let line: Logger.Message = "upstream \(endpoint): \(Self.meaning(of: state))\(detail.map { " (\($0))" } ?? "")"
        switch state {
        case .keyRefused, .outOfCredits: logger.error(line)
        case .unreachable: logger.warning(line)
        default: logger.info(line)
        }
    }

    /// What a state means, for the operator.
    static func meaning(of state: UpstreamHealth.State) -> String {
        switch state {
        case .unused, .ok: "answering"
        case .unreachable: "not reachable; retrying"
        case .keyRefused: "refuses this gateway's API key (rotated or revoked?); jobs routed there fail until it is fixed"
        case .outOfCredits: "has no credit left for this gateway's account; jobs routed there fail until it is topped up"
        case .rateLimited: "rate-limiting this gateway"
        }
    }
}
