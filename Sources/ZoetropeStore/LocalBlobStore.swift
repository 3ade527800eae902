import Foundation
import ZoetropeCore

/// Inputs and finished videos in a local directory, reached through signed, expiring links
/// served by the gateway at `/files/<key>` (GET to fetch, PUT to upload).
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
        guard BlobKey.isValid(key) else { return nil }
        return root.appendingPathComponent(key)
    }

    public func temporaryFile(for key: String) throws -> URL {
        temporaryDirectory.appendingPathComponent("\(UUID().uuidString.lowercased())-\(key)")
    }

    /// Renames the file into place; a file on another file system is first copied beside the
    /// root (so a full disk fails the copy, never leaving a partial blob under `key`).
    public func commit(temporaryFile: URL, key: String) async throws {
        guard let destination = file(for: key) else { throw RenderError("invalid blob key '\(key)'") }
        if rename(temporaryFile.path, destination.path) == 0 { return }
        guard errno == EXDEV else {
            throw RenderError("could not move the finished file into place: \(String(cString: strerror(errno)))")
        }
        let staged = try self.temporaryFile(for: key)
        do {
            try FileManager.default.copyItem(at: temporaryFile, to: staged)
            if rename(staged.path, destination.path) != 0 {
                throw RenderError("could not move the finished file into place: \(String(cString: strerror(errno)))")
            }
            try? FileManager.default.removeItem(at: temporaryFile)
        } catch {
            try? FileManager.default.removeItem(at: staged)
            throw error
        }
    }

    public func put(_ data: Data, key: String) async throws {
        let temporary = try temporaryFile(for: key)
        do {
            try data.write(to: temporary)
            try await commit(temporaryFile: temporary, key: key)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
    }

    public func download(key: String, to destination: URL) async throws {
        guard let file = file(for: key), FileManager.default.fileExists(atPath: file.path) else {
            throw BlobNotFound(key: key)
        }
        let partial = destination.deletingLastPathComponent()
            .appendingPathComponent(".\(UUID().uuidString.lowercased()).partial")
        do {
            try FileManager.default.copyItem(at: file, to: partial)
            if rename(partial.path, destination.path) != 0 {
                throw RenderError("could not write '\(destination.lastPathComponent)': \(String(cString: strerror(errno)))")
            }
        } catch {
            try? FileManager.default.removeItem(at: partial)
            throw error
        }
    }

    public func data(key: String) async throws -> Data {
        guard let file = file(for: key), let data = FileManager.default.contents(atPath: file.path) else {
            throw BlobNotFound(key: key)
        }
        return data
    }

    public func delete(key: String) async throws {
        guard let file = file(for: key) else { return }
        try? FileManager.default.removeItem(at: file)
    }

    public func size(key: String) async -> Int? {
        guard let file = file(for: key), let attributes = try? FileManager.default.attributesOfItem(atPath: file.path)
        else { return nil }
        return (attributes[.size] as? NSNumber)?.intValue
    }

    public func signedURL(key: String, expires: Date) -> String {
        let path = "/files/\(key)"
        let expiry = Int(expires.timeIntervalSince1970.rounded(.up))
        return "\(publicBase())\(path)?expires=\(expiry)&signature=\(signer.signature(path: path, expires: expiry))"
    }

    public func signedUploadURL(key: String, expires: Date) -> String {
        let path = "/files/\(key)"
        let expiry = Int(expires.timeIntervalSince1970.rounded(.up))
        return "\(publicBase())\(path)?expires=\(expiry)&signature=\(signer.signature(path: Self.uploadPath(key), expires: expiry))"
    }

    /// What an upload link's signature covers (so a download link cannot be used to upload).
    public static func uploadPath(_ key: String) -> String { "PUT /files/\(key)" }

    public func checkReachable() async throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDirectory), isDirectory.boolValue,
            FileManager.default.isWritableFile(atPath: root.path)
        else { throw RenderError("the outputs directory \(root.lastPathComponent) is missing or not writable") }
    }

    /// Removes temporary files left by a process that died mid-render.
    public func removeStalePartials() {
        let files = (try? FileManager.default.contentsOfDirectory(at: temporaryDirectory, includingPropertiesForKeys: nil)) ?? []
        for file in files { try? FileManager.default.removeItem(at: file) }
    }
}
