/// Percentiles of measured latencies (seconds), from a sorted copy: the benchmarks' figures.
struct LatencySummary {
    let sorted: [Double]

    init(_ latencies: [Double]) {
        sorted = latencies.sorted()
    }

    var count: Int { sorted.count }

    /// The latency `p` (0...1) of the calls were at or under; 0 when there were none.
    func percentile(_ p: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        return sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
    }
}
