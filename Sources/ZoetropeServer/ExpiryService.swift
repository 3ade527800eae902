import Foundation
import Logging
import ServiceLifecycle
import ZoetropeCore

/// Deletes jobs, their inputs and their videos once the retention period after submission has
/// passed (their ids then answer 404), and ends FAILED the jobs whose last lease expired (so
/// abandoned jobs end even on a gateway without render slots); forgets the rate-limit buckets that
/// are full again.
struct ExpiryService: Service {
    let queue: JobQueue
    let blobs: any BlobStore
    let retention: Double
    let interval: Double
    let desk: LeaseDesk
    let rateLimits: KeyRateLimits
    let logger: Logger

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            await sweep()
            try? await cancelWhenGracefulShutdown {
                try await Task.sleep(for: .seconds(self.interval))
            }
        }
    }

    func sweep(now: Date = Date()) async {
        do {
            try await desk.failAbandoned(now: now)
            let expired = try await queue.store.expire(createdBefore: now.addingTimeInterval(-retention))
            for job in expired {
                if let key = job.outputKey {
                    try? await blobs.delete(key: key)
                    try? await blobs.delete(key: BlobKey.lastFrame(ofOutput: key))
                }
                await queue.removeInputs(of: job)
            }
            if !expired.isEmpty { logger.info("expired \(expired.count) job(s)") }
            try await queue.store.expireIdempotencyKeys(claimedBefore: now.addingTimeInterval(-JobQueue.idempotencyWindow))
            try await rateLimits.forgetFull()
        } catch {
            logger.error("expiry sweep failed: \(error)")
        }
    }
}
