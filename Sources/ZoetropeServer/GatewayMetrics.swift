import Foundation
import Metrics
import Prometheus
import Synchronization
import ZoetropeCore
import ZoetropeWorker

/// The gateway's Prometheus metrics, served at `/metrics`: jobs by model and state, queue depth
/// by model and active workers (read from the shared store at each scrape, so every gateway
/// reports the whole cluster), lease expiries and job timings (this process's), and HTTP
/// request counts and latency (Hummingbird's `MetricsMiddleware` through swift-metrics).
final class GatewayMetrics: Sendable {
    /// The HTTP metrics' registry, one per process: swift-metrics can be bootstrapped only once.
    static let httpRegistry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()

    static var jobsName: MetricNameDescriptor {
        MetricNameDescriptor(
            metricName: "zoetrope_jobs", unitName: "", helpText: "Jobs in the store by model and state")
    }
    static var queueDepthName: MetricNameDescriptor {
        MetricNameDescriptor(
            metricName: "zoetrope_queue_depth", unitName: "", helpText: "Queued jobs by model")
    }
    static var workersName: MetricNameDescriptor {
        MetricNameDescriptor(
            metricName: "zoetrope_workers", unitName: "",
            helpText: "Render slots and remote workers that asked for work in the last minute")
    }
    static var leaseExpiriesName: MetricNameDescriptor {
        MetricNameDescriptor(
            metricName: "zoetrope_lease_expiries", unitName: "total",
            helpText: "Jobs leased again after an earlier lease expired, or failed after their last lease expired")
    }
    static var queueWaitName: MetricNameDescriptor {
        MetricNameDescriptor(
            metricName: "zoetrope_job_queue_wait", unitName: "seconds", helpText: "Time from submit to lease")
    }
    static var runName: MetricNameDescriptor {
        MetricNameDescriptor(
            metricName: "zoetrope_job_run", unitName: "seconds", helpText: "Time from lease to completion")
    }
    static var stageName: MetricNameDescriptor {
        MetricNameDescriptor(
            metricName: "zoetrope_job_stage", unitName: "seconds",
            helpText: "Time a completed video spent in each stage of its render in this process (fetch, decode, audio, render, encode, upload)")
    }
    static var finishedName: MetricNameDescriptor {
        MetricNameDescriptor(
            metricName: "zoetrope_jobs_finished", unitName: "total", helpText: "Jobs this process saw end, by outcome")
    }

    static var policyBlocksName: MetricNameDescriptor {
        MetricNameDescriptor(
            metricName: "zoetrope_policy_blocks", unitName: "total",
            helpText: "Requests the content policy blocked, by category and the check that found it (terms, image, moderation)")
    }
    static var policyFlagsName: MetricNameDescriptor {
        MetricNameDescriptor(
            metricName: "zoetrope_policy_flags", unitName: "total",
            helpText: "Requests the content policy flagged and let run, by category and the check that found it")
    }

    static var bodyBytesName: MetricNameDescriptor {
        MetricNameDescriptor(
            metricName: "zoetrope_request_body_bytes_held", unitName: "",
            helpText: "Bytes of request bodies this process has reserved to hold in memory (at most --body-memory)")
    }

    /// A worker counts as active when it asked for work this recently, in seconds.
    static let workerActivityWindow: Double = 60

    /// This gateway's own metrics (several gateways may share a process in tests).
    let registry = PrometheusCollectorRegistry()
    private let leaseExpiries: Prometheus.Counter
    private let workers: Prometheus.Gauge
    /// Label sets of the job gauges seen so far, so a state that empties is reported as 0.
    private let seenJobLabels = Mutex<Set<[String]>>([])

    /// The request bodies held in memory, reported at each scrape.
    private let bodyMemory: BodyMemoryBudget?

    init(bodyMemory: BodyMemoryBudget? = nil) {
        _ = Self.httpRegistry
        leaseExpiries = registry.makeCounter(descriptor: Self.leaseExpiriesName)
        workers = registry.makeGauge(descriptor: Self.workersName)
        self.bodyMemory = bodyMemory
    }

    /// Records a lease taken by this process (a re-lease after an expiry counts as one).
    func leased(_ job: Job, now: Date) {
        if job.attempts > 1 { leaseExpiries.increment() }
        registry.makeValueHistogram(
            descriptor: Self.queueWaitName, labels: [("model", job.model)],
            buckets: [0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900]
        ).record(max(0, now.timeIntervalSince(job.createdAt)))
    }

    /// Jobs that ran out of attempts after their last lease expired.
    func abandoned(_ count: Int) {
        if count > 0 { leaseExpiries.increment(by: Int64(count)) }
    }

    /// Records how a job this process ran (or a remote worker reported) ended.
    func finished(_ job: Job, outcome: JobExecutor.Outcome, now: Date = Date()) {
        registry.makeCounter(
            descriptor: Self.finishedName, labels: [("model", job.model), ("outcome", "\(outcome)")]
        ).increment()
        guard outcome == .completed, let started = job.startedAt else { return }
        registry.makeValueHistogram(
            descriptor: Self.runName, labels: [("model", job.model)],
            buckets: [1, 2, 5, 10, 20, 30, 60, 120, 300, 600]
        ).record(max(0, now.timeIntervalSince(started)))
    }

    /// Records where a completed video's time went in this process, stage by stage.
    func stages(_ stages: StageTimes) {
        for (stage, seconds) in stages.all {
            registry.makeValueHistogram(
                descriptor: Self.stageName, labels: [("stage", stage)],
                buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60]
            ).record(seconds)
        }
    }

    /// Counts a content policy block or flag this process decided.
    func policyMatched(category: String, source: String, blocked: Bool) {
        registry.makeCounter(
            descriptor: blocked ? Self.policyBlocksName : Self.policyFlagsName,
            labels: [("category", category), ("source", source)]
        ).increment()
    }

    /// The exposition text, with the store-wide gauges read now.
    func render(store: any JobStore, now: Date = Date()) async throws -> String {
        let counts = try await store.jobCounts()
        var seen = Set<[String]>()
        var depth: [String: Int] = [:]
        for count in counts {
            seen.insert([count.model, count.status.rawValue])
            registry.makeGauge(
                descriptor: Self.jobsName, labels: [("model", count.model), ("status", count.status.rawValue)]
            ).set(to: Double(count.count))
            if count.status == .queued { depth[count.model, default: 0] += count.count }
        }
        let stale = seenJobLabels.withLock { known -> Set<[String]> in
            let stale = known.subtracting(seen)
            known.formUnion(seen)
            return stale
        }
        for labels in stale {
            registry.makeGauge(descriptor: Self.jobsName, labels: [("model", labels[0]), ("status", labels[1])]).set(to: 0)
        }
        let models = Set(seenJobLabels.withLock { $0 }.map { $0[0] })
        for model in models {
            registry.makeGauge(descriptor: Self.queueDepthName, labels: [("model", model)]).set(to: Double(depth[model] ?? 0))
        }
        let active = try await store.activeWorkerCount(seenSince: now.addingTimeInterval(-Self.workerActivityWindow))
        workers.set(to: Double(active))
        if let bodyMemory { registry.makeGauge(descriptor: Self.bodyBytesName).set(to: Double(bodyMemory.inUse)) }
        return registry.emitToString() + Self.httpRegistry.emitToString()
    }
}
