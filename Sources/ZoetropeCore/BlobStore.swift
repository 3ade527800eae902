import Foundation

/// Where inputs and finished outputs live and how clients and workers reach them: a local
/// directory served by the gateway, or an S3-compatible bucket. Keys are flat names of letters,
/// digits, `-`, `_` and `.`. Outputs are written to a local temporary file and committed, so a
/// half-written file is never served.
public protocol BlobStore: Sendable {
    /// A fresh local path an engine may write a file to before it is committed.
    func temporaryFile(for key: String) throws -> URL
    /// Moves (or uploads) a finished temporary file into place under `key`; the temporary file is gone afterwards.
    func commit(temporaryFile: URL, key: String) async throws
    /// Stores `data` under `key`.
    func put(_ data: Data, key: String) async throws
    /// Copies the blob into a local file; throws `BlobNotFound` when there is none.
    func download(key: String, to file: URL) async throws
    /// The blob's bytes; throws `BlobNotFound` when there is none.
    func data(key: String) async throws -> Data
    func delete(key: String) async throws
    /// The committed blob's size in bytes; nil when there is none (or it cannot be reached).
    func size(key: String) async -> Int?
    /// A URL that fetches the blob with a plain GET and no API key until `expires`.
    func signedURL(key: String, expires: Date) -> String
    /// A URL that stores a blob under `key` with a plain PUT of its bytes until `expires`.
    func signedUploadURL(key: String, expires: Date) -> String
    /// Throws when the store cannot be reached (for `/readyz`).
    func checkReachable() async throws
}

/// No blob is stored under the key.
public struct BlobNotFound: Error, Sendable, CustomStringConvertible {
    public var key: String
    public init(key: String) { self.key = key }
    public var description: String { "no blob '\(key)'" }
}

/// The rules for blob names, shared by every blob store.
public enum BlobKey {
    public static func isValid(_ key: String) -> Bool {
        !key.isEmpty && !key.hasPrefix(".") && key.count <= 200
            && key.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") }
    }

    /// The blob holding a job's stored input `name` (`MediaInput.stored`).
    public static func input(jobID: String, name: String) -> String { "in-\(jobID)-\(name)" }

    /// The blob holding attempt `attempt`'s video of a job.
    public static func output(jobID: String, attempt: Int) -> String { "\(jobID)-\(attempt).mp4" }

    /// The blob holding the PNG of the last frame of the video stored under `outputKey`.
    public static func lastFrame(ofOutput outputKey: String) -> String {
        (outputKey.hasSuffix(".mp4") ? String(outputKey.dropLast(4)) : outputKey) + "-last.png"
    }
}
