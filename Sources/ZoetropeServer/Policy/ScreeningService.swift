import Foundation
import Logging
import ServiceLifecycle
import ZoetropeCore

/// Runs the content policy's screen on every new job and applies its verdict: a passed job is
/// released to the runners, a blocked one ends FAILED with its credits released and its inputs
/// deleted, and blocks and flags are recorded and counted. Jobs come from this gateway's
/// submits (`ScreeningInbox`) and, for jobs whose gateway stopped mid-screen, from the store
/// once their screen's deadline has passed.
struct ScreeningService: Service {
    let inbox: ScreeningInbox
    let screen: ContentScreen
    let queue: JobQueue
    let events: any PolicyStore
    let metrics: GatewayMetrics
    /// How long one screen may take before another gateway takes it over.
    let budget: Duration
    /// How often the store is asked for screens to take over.
    let sweepInterval: Duration
    let logger: Logger

    func run() async throws {
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                group.addTask { await sweep() }
                for await job in inbox.jobs {
                    group.addTask { await apply(job) }
                }
            }
        } onGracefulShutdown: {
            inbox.close()
        }
    }

    private func sweep() async {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let now = Date()
                for job in try await queue.store.claimUnscreened(
                    now: now, until: now.addingTimeInterval(budget.inSeconds), limit: 16)
                {
                    logger.info("request \(job.id): taking over its content policy screen")
                    await apply(job)
                }
            } catch {
                logger.error("content policy sweep: \(error)")
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: sweepInterval) }
        }
    }

    /// Screens `job` and records the outcome. A store error leaves the job to the sweep.
    func apply(_ job: Job) async {
        var log = logger
        log[metadataKey: "request_id"] = .string(job.id)
        do {
            switch try await screen.screen(job) {
            case .pass(let request, let flags):
                for flag in flags { await record(flag, action: .flag, job: job) }
                if try await !queue.store.markScreened(id: job.id, request: request, now: Date()),
                    try await queue.store.job(id: job.id)?.status.isTerminal ?? true
                {
                    // Ended meanwhile (cancelled): the inputs the screen stored go too. (Passed by
                    // another gateway's screen instead: its inputs stay, the job will run.)
                    await screen.removeFetchedInputs(of: job)
                }
            case .block(let hit):
                log.notice("blocked by the content policy: \(hit.category) (\(hit.source.rawValue), \(hit.field))")
                // Recorded first: whoever sees the request FAILED finds the block in the events and metrics.
                await record(hit, action: .block, job: job)
                await end(job, error: hit.failureMessage)
            case .unusable(let reason):
                await end(job, error: reason)
            }
        } catch {
            log.error("content policy screen failed, to be retried: \(error)")
        }
    }

    private func end(_ job: Job, error: String) async {
        do {
            _ = try await queue.store.fail(id: job.id, owner: nil, error: error, now: Date())
        } catch {
            logger.error("request \(job.id): could not end it FAILED: \(error)")
            return
        }
        // The screen may have stored fetched inputs under names the stored request lacks.
        await queue.removeInputs(of: job)
        await screen.removeFetchedInputs(of: job)
    }

    private enum Action: String { case block, flag }

    private func record(_ hit: PolicyHit, action: Action, job: Job) async {
        metrics.policyMatched(category: hit.category, source: hit.source.rawValue, blocked: action == .block)
        let event = PolicyEvent(
            jobID: job.id, apiKeyID: job.apiKeyID, model: job.model, category: hit.category, action: action.rawValue,
            source: hit.source.rawValue, field: hit.field)
        do { try await events.recordPolicyEvent(event) } catch {
            logger.error("request \(job.id): could not record the content policy \(action.rawValue): \(error)")
        }
    }
}
