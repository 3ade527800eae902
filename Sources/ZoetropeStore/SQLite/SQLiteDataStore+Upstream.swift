import Foundation
import SQLiteNIO
import ZoetropeCore

/// The upstream's side of the queue (``JobStore``): its slots' leases (jobs already on an
/// upstream, and queued jobs past their model's cutoff) and the record of where a job runs there.
extension SQLiteDataStore {
    public func leaseForUpstream(cutoffs: [String: Date], owner: String, expiresAt: Date, now: Date) async throws -> Job? {
        try await takeOldest(
            models: cutoffs.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, owner: owner, expiresAt: expiresAt,
            now: now)
    }

    public func recordUpstream(id: String, owner: String, upstream: UpstreamRequest, now: Date) async throws -> Bool {
        defer { snapshots.changed(id) }
        return !(try await connection.query(
            """
            UPDATE jobs SET upstream = ?, updated_at = ? WHERE id = ? AND lease_owner = ? AND status = 'PROCESSING'
            RETURNING id
            """,
            [.text(upstream.storedText), .date(now), .text(id), .text(owner)])).isEmpty
    }
}
