import Foundation

/// Where finished videos live and how clients reach them. Outputs are written under a temporary
/// name and moved into place by `commit`, so a half-written file is never served.
public protocol BlobStore: Sendable {
    /// A fresh local path an engine may write a file to before it is committed.
    func temporaryFile(for key: String) throws -> URL
    /// Moves a finished temporary file into place under `key`.
    func commit(temporaryFile: URL, key: String) async throws
    func delete(key: String) async throws
    /// Whether a committed blob exists.
    func exists(key: String) async -> Bool
    /// A URL that fetches the blob with a plain GET and no API key until `expires`.
    func signedURL(key: String, expires: Date) -> String
}
