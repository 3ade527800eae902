import Foundation
import Synchronization

/// Counts the bytes of a transfer as they arrive, for the watch that enforces the policy's rate.
public final class TransferMeter: Sendable {
    private let state = Mutex<(bytes: Int, bodyStart: ContinuousClock.Instant?)>((0, nil))

    /// Marks the start of a response body (again for each redirect hop).
    public func bodyBegan() { state.withLock { $0 = (0, .now) } }

    public func received(_ count: Int) { state.withLock { $0.bytes += count } }

    var snapshot: (bytes: Int, bodyStart: ContinuousClock.Instant?) { state.withLock { $0 } }
}

extension OutboundPolicy {
    /// Runs a fetch under the policy's total deadline and minimum rate: the fetch is cancelled and
    /// an `OutboundError` naming `field` thrown as soon as either is missed.
    public func withTransferLimits<T: Sendable>(
        field: String, host: String, _ fetch: @escaping @Sendable (TransferMeter) async throws -> T
    ) async throws -> T {
        let meter = TransferMeter()
        let deadline = fetchTimeout, minimumRate = minimumRate, grace = rateGrace
        let start = ContinuousClock.now
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await fetch(meter) }
            group.addTask {
                while true {
                    try await Task.sleep(for: .milliseconds(100))
                    let now = ContinuousClock.now
                    if now - start >= deadline {
                        throw OutboundError(
                            field: field, host: host, reason: .tookTooLong(seconds: Int(deadline.components.seconds)))
                    }
                    let (bytes, bodyStart) = meter.snapshot
                    if let bodyStart, minimumRate > 0, now - bodyStart >= grace {
                        if Double(bytes) / ((now - bodyStart) / .seconds(1)) < Double(minimumRate) {
                            throw OutboundError(field: field, host: host, reason: .tooSlow(bytesPerSecond: minimumRate))
                        }
                    }
                }
            }
            defer { group.cancelAll() }
            while let result = try await group.next() {
                if let value = result { return value }
            }
            throw CancellationError()
        }
    }
}
