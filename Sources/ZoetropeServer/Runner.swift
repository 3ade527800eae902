import Foundation
import Logging
import ServiceLifecycle
import ZoetropeCore
import ZoetropeWorker

/// The gateway's own render slots, or its upstream slots: each leases a job straight from the
/// store and runs it with the `JobExecutor` (whose engines render it here, or run it on an
/// upstream). An idle slot waits for the store's work signal (LISTEN/NOTIFY on PostgreSQL) rather
/// than polling. On graceful shutdown in-flight jobs are handed back, so another process picks
/// them up.
struct Runner: Service {
    let desk: LeaseDesk
    let voices: any VoiceStore
    let executor: JobExecutor
    let concurrency: Int
    /// The longest an idle slot waits before looking again (leases that expire, and waits for an
    /// overflow that end, send no signal).
    let pollInterval: Double
    let logger: Logger
    /// Whether these are upstream slots (which lease with `LeaseDesk.leaseForUpstream`).
    var upstream = false
    let ownerPrefix = "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))"

    func run() async throws {
        await withDiscardingTaskGroup { group in
            for slot in 0..<max(1, concurrency) {
                group.addTask { await self.slotLoop(slot) }
            }
        }
    }

    private func slotLoop(_ slot: Int) async {
        let owner = "\(ownerPrefix)-\(upstream ? "upstream" : "slot")\(slot)"
        let models = Array(executor.engines.keys).sorted()
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let leased = upstream
                    ? try await desk.leaseForUpstream(owner: owner) : try await desk.lease(models: models, owner: owner)
                if let job = leased {
                    let lease = StoreLease(
                        job: job, owner: owner, queue: desk.queue, voices: voices, leaseDuration: desk.leaseDuration)
                    await cancelWhenGracefulShutdown {
                        let outcome = await self.executor.execute(lease)
                        self.desk.metrics.finished(job, outcome: outcome)
                    }
                    continue
                }
            } catch {
                logger.error("queue error: \(error)")
            }
            await cancelWhenGracefulShutdown {
                await self.desk.queue.store.waitForWork(timeout: .seconds(self.pollInterval))
            }
        }
    }
}
