import AsyncHTTPClient
import Crypto
import Foundation
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import ZoetropeCore
import ZoetropeOutbound

/// Delivers webhooks: POSTs a finished request's result body to its webhook, signed with the
/// key's webhook secret, retrying with exponential backoff until a 2xx answer or the last
/// attempt. Deliveries live in the store, so a restart picks up where the last process stopped.
///
/// Signature: `X-Zoetrope-Timestamp: <unix seconds>` and
/// `X-Zoetrope-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`.
struct WebhookService: Service {
    let store: any WebhookStore
    let jobs: any JobStore
    /// Deliveries follow the outbound policy, as input fetches do.
    let outbound: OutboundClient
    /// Makes the body: the job's result answer, as `GET /v2/requests/{id}` answers it.
    let presenter: JobPresenter
    /// The wait before the second attempt; each later wait is 3 times longer.
    let retryBase: Double
    /// The longest one attempt may take; attempts run side by side, so a hanging receiver holds
    /// up only its own deliveries.
    let attemptTimeout: Duration
    let maxAttempts: Int
    let pollInterval: Double
    let logger: Logger

    static let timestampHeader = "X-Zoetrope-Timestamp"
    static let signatureHeader = "X-Zoetrope-Signature"

    /// Most attempts in flight at once in this process.
    static let maxInFlight = 64

    func run() async throws {
        let inFlight = InFlightAttempts()
        await withDiscardingTaskGroup { group in
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                let room = Self.maxInFlight - inFlight.count.withLock { $0 }
                do {
                    let now = Date()
                    // Claimed for longer than an attempt may take, short enough to be retried soon
                    // if this gateway dies mid-attempt.
                    let due = room <= 0 ? [] : try await store.claimDueWebhookDeliveries(
                        now: now, claimUntil: now.addingTimeInterval(attemptTimeout.inSeconds + 50), limit: min(20, room))
                    for delivery in due {
                        inFlight.count.withLock { $0 += 1 }
                        group.addTask {
                            await attempt(delivery)
                            inFlight.count.withLock { $0 -= 1 }
                        }
                    }
                } catch {
                    logger.error("webhook queue error: \(error)")
                }
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(self.pollInterval)) }
            }
        }
    }

    /// `v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`.
    static func signature(secret: String, timestamp: Int, body: Data) -> String {
        let message = Data("\(timestamp).".utf8) + body
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Data(secret.utf8)))
        return "v1=" + Hex.string(mac)
    }

    private func attempt(_ delivery: WebhookDelivery) async {
        var log = logger
        log[metadataKey: "request_id"] = .string(delivery.jobID)
        let now = Date()
        let number = delivery.attempts + 1
        var body = delivery.body
        if body == nil {
            let job = try? await jobs.job(id: delivery.jobID)
            body = job.flatMap { try? JSONResponse.encoded(presenter.result(for: $0)) }
                ?? JSONValue.object(["request_id": .string(delivery.jobID), "status": "EXPIRED"]).encoded()
        }
        let payload = body ?? Data()
        var statusCode: Int?
        var failure: String?
        do {
            guard let url = URL(string: delivery.url) else { throw RenderError("webhook: not a URL") }
            let destination = try await outbound.policy.destination(for: url, field: "webhook")
            let secret = try await store.webhookSecret(apiKeyID: delivery.apiKeyID)
            let timestamp = Int(now.timeIntervalSince1970)
            var request = HTTPClientRequest(url: delivery.url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "User-Agent", value: "zoetrope-webhooks/1")
            request.headers.add(name: Self.timestampHeader, value: String(timestamp))
            request.headers.add(name: Self.signatureHeader, value: Self.signature(secret: secret, timestamp: timestamp, body: payload))
            request.body = .bytes(ByteBuffer(bytes: payload))
            let code = try await outbound.withResponse(request, to: destination, field: "webhook", timeout: attemptTimeout) {
                response in
                _ = try? await response.body.collect(upTo: 64 * 1024)
                return Int(response.status.code)
            }
            statusCode = code
            if !(200..<300).contains(code) { failure = "HTTP \(code)" }
        } catch let error as OutboundError {
            failure = error.description
        } catch {
            failure = "webhook: \(error)"
        }
        let state: WebhookDelivery.State = failure == nil ? .delivered : (number >= maxAttempts ? .failed : .pending)
        let next = now.addingTimeInterval(retryBase * pow(3, Double(number - 1)))
        do {
            try await store.recordWebhookAttempt(
                deliveryID: delivery.id, body: payload,
                attempt: WebhookAttempt(attempt: number, at: now, statusCode: statusCode, error: failure), state: state,
                nextAttemptAt: next)
        } catch {
            log.error("could not record a webhook attempt: \(error)")
        }
        switch state {
        case .delivered: log.info("webhook delivered to \(delivery.url) (attempt \(number))")
        case .failed: log.warning("webhook to \(delivery.url) given up after \(number) attempts: \(failure ?? "")")
        case .pending: log.info("webhook to \(delivery.url) failed (\(failure ?? "")); retrying")
        }
    }
}

/// How many webhook attempts this process has in flight.
private final class InFlightAttempts: Sendable {
    let count = Mutex(0)
}
