/// The columns of `jobs` a status poll reads, in the order `JobSnapshot` holds them (both stores
/// select these and no others).
let jobSnapshotColumns = "id, api_key_id, status, progress, error, created_at, updated_at"
