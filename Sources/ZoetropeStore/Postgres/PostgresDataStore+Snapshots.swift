import Foundation
import PostgresNIO
import ZoetropeCore

/// The status poll's read: kept in ``JobSnapshotCache`` until the job changes (this process's
/// writes, every other's `NOTIFY zoetrope_jobs`), else one prepared statement on the primary key,
/// no request decoded.
extension PostgresDataStore {
    /// `SELECT` of a job's state columns by id, prepared once per connection.
    struct SnapshotStatement: PostgresPreparedStatement {
        static let sql = "SELECT \(jobSnapshotColumns) FROM jobs WHERE id = $1"
        typealias Row = (String, String, String, Double, String?, Double, Double)

        var id: String

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings()
            bindings.append(id)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }

    public func snapshot(id: String) async throws -> JobSnapshot? {
        try await snapshots.snapshot(id: id) { try await readSnapshot(id: id) }
    }

    /// The job's state columns, read from the table.
    private func readSnapshot(id: String) async throws -> JobSnapshot? {
        guard let (id, apiKeyID, status, progress, error, createdAt, updatedAt) = try await rows(SnapshotStatement(id: id)).first
        else { return nil }
        guard let status = JobStatus(rawValue: status) else { throw RenderError("a stored job row is malformed") }
        return JobSnapshot(
            id: id, apiKeyID: apiKeyID, status: status, progress: progress, error: error,
            createdAt: Date(timeIntervalSince1970: createdAt), updatedAt: Date(timeIntervalSince1970: updatedAt))
    }
}
