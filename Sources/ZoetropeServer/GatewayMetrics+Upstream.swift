import Prometheus
import ZoetropeWorker

/// The upstreams' metrics: calls that met the upstream's own trouble, and whether each upstream
/// is answering as it should.
extension GatewayMetrics {
    static var upstreamTroubleName: MetricNameDescriptor {
        MetricNameDescriptor(
            metricName: "zoetrope_upstream_failures", unitName: "total",
            helpText: "Calls to an upstream that met its own trouble, by upstream and reason (unreachable, key_refused, out_of_credits, rate_limited)")
    }
    static var upstreamUpName: MetricNameDescriptor {
        MetricNameDescriptor(
            metricName: "zoetrope_upstream_up", unitName: "",
            helpText: "1 while an upstream answers as it should (or has not been called yet), 0 while it is unreachable, refuses the key or has no credit left")
    }

    /// Counts a call to `upstream` that met `state`.
    func upstreamTrouble(upstream: String, state: UpstreamHealth.State) {
        registry.makeCounter(descriptor: Self.upstreamTroubleName, labels: [("upstream", upstream), ("reason", state.rawValue)])
            .increment()
    }

    /// Sets each upstream's `up` gauge from its health (before a scrape is rendered).
    func upstreamHealth(_ health: [String: UpstreamHealth]) {
        for (name, upstream) in health {
            registry.makeGauge(descriptor: Self.upstreamUpName, labels: [("upstream", name)]).set(to: upstream.isUp ? 1 : 0)
        }
    }
}
