import Foundation
import ZoetropeCore

/// Queue positions for status answers, from a snapshot of the queue's order taken at most every
/// `maxAge` seconds and shared by every caller, instead of counting the jobs ahead on each poll
/// (which grows with the queue). A position can be up to `maxAge` old; a job queued after the
/// snapshot is placed behind it; a queue longer than the snapshot's limit falls back to counting.
actor QueuePositions {
    let store: any JobStore
    let maxAge: Double
    let limit: Int
    private var positions: [String: Int] = [:]
    private var takenAt = Date.distantPast
    private var refreshing: Task<Void, any Error>?

    init(store: any JobStore, maxAge: Double = 0.5, limit: Int = 100_000) {
        self.store = store
        self.maxAge = maxAge
        self.limit = limit
    }

    /// 1 for the next job to start; 0 when the job is not queued.
    func position(of job: JobSnapshot) async throws -> Int {
        guard job.status == .queued else { return 0 }
        if Date().timeIntervalSince(takenAt) > maxAge {
            try await refresh()
        }
        if let position = positions[job.id] { return position }
        if positions.count >= limit { return try await store.queuePosition(of: job) }
        return positions.count + 1
    }

    private func refresh() async throws {
        if let refreshing {
            try await refreshing.value
            return
        }
        let started = Date()
        let task = Task {
            let ids = try await store.queuedJobIDs(limit: limit)
            var positions: [String: Int] = [:]
            positions.reserveCapacity(ids.count)
            for (index, id) in ids.enumerated() { positions[id] = index + 1 }
            self.install(positions, takenAt: started)
        }
        refreshing = task
        defer { refreshing = nil }
        try await task.value
    }

    private func install(_ positions: [String: Int], takenAt: Date) {
        self.positions = positions
        self.takenAt = takenAt
    }
}
