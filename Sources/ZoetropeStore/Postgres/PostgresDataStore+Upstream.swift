import Foundation
import PostgresNIO
import ZoetropeCore

/// The upstream's side of the queue (``JobStore``): its slots' leases with `FOR UPDATE SKIP
/// LOCKED` (jobs already on an upstream, and queued jobs past their model's cutoff) and the record
/// of where a job runs there.
extension PostgresDataStore {
    public func leaseForUpstream(cutoffs: [String: Date], owner: String, expiresAt: Date, now: Date) async throws -> Job? {
        let routed = cutoffs.sorted { $0.key < $1.key }
        return try await takeOldest(
            models: routed.map(\.key), upstreamCutoffs: routed.map(\.value.timeIntervalSince1970), owner: owner,
            expiresAt: expiresAt, now: now)
    }

    public func recordUpstream(id: String, owner: String, upstream: UpstreamRequest, now: Date) async throws -> Bool {
        defer { snapshots.changed(id) }
        return !(try await rows(
            """
            UPDATE jobs SET upstream = \(upstream.storedText), updated_at = \(now.timeIntervalSince1970)
            WHERE id = \(id) AND lease_owner = \(owner) AND status = 'PROCESSING' RETURNING id
            """
        )).isEmpty
    }
}
