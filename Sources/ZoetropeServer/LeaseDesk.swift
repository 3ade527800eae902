import Foundation
import Logging
import Synchronization
import ZoetropeCore

/// Hands out leases straight from the store, for the gateway's own render slots and for remote
/// workers over the worker protocol alike: it notes the asking worker (at most every 10 s each,
/// for the worker count), ends FAILED the jobs whose last lease expired (at most once a second
/// for the process), takes the oldest job of the models asked for (less those only an upstream
/// serves), and counts it. The upstream slots lease through `leaseForUpstream`.
final class LeaseDesk: Sendable {
    let queue: JobQueue
    let leaseDuration: Double
    let metrics: GatewayMetrics
    let logger: Logger
    /// The models routed to an upstream (`--route`).
    let routes: [ModelRoute]
    /// The models only an upstream serves, which render slots and remote workers never take.
    private let upstreamOnly: Set<String>
    /// How often one worker's presence is written to the store, in seconds.
    static let workerNoteInterval: Double = 10
    /// How often expired last leases are looked for, in seconds.
    static let abandonedSweepInterval: Double = 1
    private let lastSweep = Mutex(Date.distantPast)
    private let lastNoted = Mutex<[String: Date]>([:])

    init(queue: JobQueue, leaseDuration: Double, metrics: GatewayMetrics, logger: Logger, routes: [ModelRoute] = []) {
        self.queue = queue
        self.leaseDuration = leaseDuration
        self.metrics = metrics
        self.logger = logger
        self.routes = routes
        upstreamOnly = Set(routes.filter { $0.overflowAfter == nil }.map(\.model))
    }

    /// The oldest job of `models` (less those only an upstream serves), leased to `owner` for
    /// `leaseDuration`; nil when none waits.
    func lease(models: [String], owner: String, now: Date = Date()) async throws -> Job? {
        if noteDue(owner, now: now) {
            try await queue.store.recordWorker(id: owner, models: models, now: now)
        }
        try await sweepIfDue(now: now)
        guard let job = try await queue.store.lease(
            models: models.filter { !upstreamOnly.contains($0) }, owner: owner,
            expiresAt: now.addingTimeInterval(leaseDuration), now: now)
        else { return nil }
        metrics.leased(job, now: now)
        return job
    }

    /// For an upstream slot: the oldest job that runs on an upstream already, or of a routed model
    /// whose wait for this gateway's renderers is over (at once for a model only an upstream
    /// serves), leased to `owner` for `leaseDuration`; nil when none.
    func leaseForUpstream(owner: String, now: Date = Date()) async throws -> Job? {
        try await sweepIfDue(now: now)
        let cutoffs = Dictionary(routes.map { ($0.model, now.addingTimeInterval(-($0.overflowAfter ?? 0))) }) { first, _ in first }
        guard let job = try await queue.store.leaseForUpstream(
            cutoffs: cutoffs, owner: owner, expiresAt: now.addingTimeInterval(leaseDuration), now: now)
        else { return nil }
        metrics.leased(job, now: now)
        return job
    }

    /// Ends FAILED the jobs whose last lease expired, at most once every `abandonedSweepInterval`.
    private func sweepIfDue(now: Date) async throws {
        let sweepDue = lastSweep.withLock { last -> Bool in
            guard now.timeIntervalSince(last) >= Self.abandonedSweepInterval else { return false }
            last = now
            return true
        }
        if sweepDue { try await failAbandoned(now: now) }
    }

    /// Ends FAILED every job whose last lease expired, and deletes their inputs.
    func failAbandoned(now: Date = Date()) async throws {
        let abandoned = try await queue.store.failAbandoned(now: now)
        metrics.abandoned(abandoned.count)
        for job in abandoned {
            logger.warning("request \(job.id) failed: \(job.error ?? "")")
            await queue.removeInputs(of: job)
        }
    }

    /// Whether `owner`'s presence is due to be written; forgets workers not seen for a minute.
    private func noteDue(_ owner: String, now: Date) -> Bool {
        lastNoted.withLock { noted in
            if let last = noted[owner], now.timeIntervalSince(last) < Self.workerNoteInterval { return false }
            noted = noted.filter { now.timeIntervalSince($0.value) < GatewayMetrics.workerActivityWindow }
            noted[owner] = now
            return true
        }
    }
}
