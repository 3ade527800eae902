import Foundation
import ZoetropeCore

/// Finished videos in a local directory, reached through signed, expiring links served by the
/// gateway at `/files/<key>`.
public struct LocalBlobStore: BlobStore {
    public let root: URL
    public let signer: URLSigner
    /// Base of the links, e.g. `http://127.0.0.1:8080`; read when a link is made.
    public let publicBase: @Sendable () -> String

    public init(root: URL, signer: URLSigner, publicBase: @escaping @Sendable () -> String) throws {
        self.root = root
        self.signer = signer
        self.publicBase = publicBase
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: temporaryDirectory, withIntermediateDirectories: true)
    }

    private var temporaryDirectory: URL { root.appendingPathComponent(".partial", isDirectory: true) }

    /// The file a committed key lives at; nil for keys that would escape the root.
    public func file(for key: String) -> URL? {
        guard Self.isValidKey(key) else { return nil }
        return root.appendingPathComponent(key)
    }

    public static func isValidKey(_ key: String) -> Bool {
        !key.isEmpty && !key.hasPrefix(".") && key.count <= 200
            && key.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") }
    }

    public func temporaryFile(for key: String) throws -> URL {
        temporaryDirectory.appendingPathComponent("\(UUID().uuidString.lowercased())-\(key)")
    }

    public func commit(temporaryFile: URL, key: String) async throws {
        guard let destination = file(for: key) else { throw RenderError("invalid blob key '\(key)'") }
        if rename(temporaryFile.path, destination.path) != 0 {
            throw RenderError("could not move the finished video into place (errno \(errno))")
        }
    }

    public func delete(key: String) async throws {
        guard let file = file(for: key) else { return }
        try? FileManager.default.removeItem(at: file)
    }

    public func exists(key: String) async -> Bool {
        guard let file = file(for: key) else { return false }
        return FileManager.default.fileExists(atPath: file.path)
    }

    public func signedURL(key: String, expires: Date) -> String {
        let path = "/files/\(key)"
        let expiry = Int(expires.timeIntervalSince1970.rounded(.up))
        return "\(publicBase())\(path)?expires=\(expiry)&signature=\(signer.signature(path: path, expires: expiry))"
    }

    /// Removes temporary files left by a process that died mid-render.
    public func removeStalePartials() {
        let files = (try? FileManager.default.contentsOfDirectory(at: temporaryDirectory, includingPropertiesForKeys: nil)) ?? []
        for file in files { try? FileManager.default.removeItem(at: file) }
    }
}
