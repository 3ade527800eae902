import Foundation
import Synchronization
import ZoetropeCore

/// The tokens this gateway took from shared buckets (``RateLimit/shareSize`` at a time) and has
/// not spent yet, per API key, so most requests of a busy key spend a local token instead of a
/// database statement. A share not spent within `holdFor` is dropped (never given to a request
/// late), so a key's allowance is never more than its bucket gave.
final class RateLimitShares: Sendable {
    private struct Share {
        var left: Int
        /// Tokens the shared bucket held after the take, for the `X-RateLimit-Remaining` header.
        var bucketTokens: Double
        var takenAt: ContinuousClock.Instant
    }

    private let shares = Mutex<[String: Share]>([:])
    private let holdFor: Duration

    init(holdFor: Duration = .seconds(5)) {
        self.holdFor = holdFor
    }

    /// Spends one token of `keyID`'s share, if it has one left; the decision the request is told.
    func spend(_ keyID: String, limit: RateLimit) -> RateLimitDecision? {
        let now = ContinuousClock.now
        return shares.withLock { shares in
            guard var share = shares[keyID], share.left > 0, now - share.takenAt < holdFor else { return nil }
            share.left -= 1
            shares[keyID] = share.left > 0 ? share : nil
            return limit.decision(allowed: true, tokens: share.bucketTokens + Double(share.left))
        }
    }

    /// Adds to `keyID`'s share what a take from the shared bucket granted beyond the one token its
    /// request spends (requests that missed the share at once each take, and none is wasted).
    func keep(_ grant: RateLimitGrant, for keyID: String) {
        let extra = grant.granted - 1
        guard extra > 0 else { return }
        let now = ContinuousClock.now
        shares.withLock { shares in
            var share = shares[keyID].flatMap { now - $0.takenAt < holdFor ? $0 : nil }
                ?? Share(left: 0, bucketTokens: 0, takenAt: now)
            share.left += extra
            share.bucketTokens = grant.tokens
            share.takenAt = now
            shares[keyID] = share
        }
    }
}
