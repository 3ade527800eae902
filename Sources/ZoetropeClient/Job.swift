import Foundation

/// A submitted request: poll its status, fetch its result, or wait for it to finish.
public struct Job: Sendable {
    public let requestID: String
    public let statusURL: String
    public let responseURL: String
    let client: Client

    /// The current state (`GET status_url`); a FAILED job is a state here, not an error. Polls
    /// are retried on 429, 502, 503 and connection errors.
    public func status() async throws -> JobState {
        JobState(body: try await client.send(.GET, url: statusURL, retryTransportErrors: true, acceptFailedBody: true).json)
    }

    /// The result body (`GET response_url`): `output` once COMPLETED.
    public func result() async throws -> JobResult {
        JobResult(body: try await client.send(.GET, url: responseURL, retryTransportErrors: true, acceptFailedBody: true).json)
    }

    /// Polls every `interval` until the job ends, calling `onUpdate` with each state; returns the
    /// result when COMPLETED, throws `InferenceFailed` when it failed or was cancelled, and
    /// `InferenceTimeout` (with this request's id) after `timeout`.
    public func wait(
        timeout: Duration = .seconds(900), interval: Duration = .seconds(2),
        onUpdate: (@Sendable (JobState) -> Void)? = nil
    ) async throws -> JobResult {
        let clock = ContinuousClock()
        let start = clock.now
        while true {
            let state = try await status()
            onUpdate?(state)
            switch state.status {
            case "COMPLETED":
                return try await result()
            case "FAILED", "CANCELLED":
                throw InferenceFailed(requestID: requestID, detail: state.error ?? state.status.lowercased(), body: state.body)
            default:
                let elapsed = clock.now - start
                if elapsed >= timeout { throw InferenceTimeout(requestID: requestID, elapsed: elapsed) }
                try await Task.sleep(for: min(interval, timeout - elapsed))
            }
        }
    }
}
