import Foundation
import ZoetropeCore

/// What an upstream's answer to a call means for the job: an answer to act on, a wait before
/// calling again (429, with the time the upstream gives), a blip to retry (5xx), nothing under
/// that path (404), trouble with this gateway's key or account at the upstream (which the
/// operator must fix), or a refusal of the request itself.
public enum UpstreamVerdict: Sendable, Equatable {
    case answer(JSONValue)
    /// Call again after this many seconds.
    case wait(Double)
    /// A failure of the upstream worth retrying, described for the operator.
    case retry(String)
    case notFound
    /// The upstream refused this gateway's key (401, 403) or has no credit left for it (402, 406).
    case trouble(UpstreamHealth.State, String)
    /// The upstream refused the request: its status and what it said.
    case refused(Int, String?)

    /// The longest wait a 429 is given before calling again, in seconds.
    public static let longestWait: Double = 300

    public static func of(_ reply: UpstreamReply, now: Date = Date()) -> UpstreamVerdict {
        // A body announcing a final state is an answer whatever the code (FAILED comes under 422).
        if let body = reply.body, let state = reply.state, ["COMPLETED", "FAILED", "CANCELLED"].contains(state) {
            return .answer(body)
        }
        switch reply.status {
        case 200..<300:
            guard let body = reply.body else { return .retry("HTTP \(reply.status) without a JSON body") }
            return .answer(body)
        case 401, 403: return .trouble(.keyRefused, "HTTP \(reply.status)")
        case 402, 406: return .trouble(.outOfCredits, "HTTP \(reply.status)")
        case 404, 410: return .notFound
        case 429: return .wait(rateLimitWait(reply, now: now))
        case 408, 425, 500...599: return .retry("HTTP \(reply.status)")
        default: return .refused(reply.status, reply.error)
        }
    }

    /// How long a 429 asks to wait: the later of `Retry-After` (seconds, or an HTTP date) and
    /// `x-rate-limit-reset-at-utc` (an ISO 8601 time, or Unix seconds or milliseconds); 5 s when
    /// it says neither; from half a second to `longestWait`.
    public static func rateLimitWait(_ reply: UpstreamReply, now: Date) -> Double {
        var waits: [Double] = []
        if let text = reply.retryAfter?.trimmingCharacters(in: .whitespaces) {
            if let seconds = Double(text) {
                waits.append(seconds)
            } else if let date = httpDate(text) {
                waits.append(date.timeIntervalSince(now))
            }
        }
        if let text = reply.rateLimitResetAt, let date = resetTime(text) { waits.append(date.timeIntervalSince(now)) }
        return min(max(waits.max() ?? 5, 0.5), longestWait)
    }

    /// Reads `x-rate-limit-reset-at-utc`: ISO 8601 (with or without fractional seconds, `Z` or an
    /// offset; a bare `YYYY-MM-DD HH:MM:SS` is UTC) or Unix time in seconds or milliseconds.
    public static func resetTime(_ text: String) -> Date? {
        let text = text.trimmingCharacters(in: .whitespaces)
        if let number = Double(text) { return Date(timeIntervalSince1970: number > 1e11 ? number / 1000 : number) }
        let iso = ISO8601DateFormatter()
        for options: ISO8601DateFormatter.Options in [[.withInternetDateTime, .withFractionalSeconds], [.withInternetDateTime]] {
            iso.formatOptions = options
            if let date = iso.date(from: text) { return date }
        }
        let plain = DateFormatter()
        plain.locale = Locale(identifier: "en_US_POSIX")
        plain.timeZone = TimeZone(identifier: "UTC")
        for format in ["yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd HH:mm:ss.SSSSSS", "yyyy-MM-dd'T'HH:mm:ss.SSSSSS"] {
            plain.dateFormat = format
            if let date = plain.date(from: text) { return date }
        }
        return nil
    }

    /// An HTTP date (`Wed, 21 Oct 2015 07:28:00 GMT`).
    static func httpDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: text)
    }
}
