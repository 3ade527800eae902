import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import _NIOFileSystem
import ZoetropeCore
import ZoetropeStore

/// Serves the local blob store at signed, expiring links: a plain GET fetches a video or input
/// (no API key), a plain PUT to an upload link stores a worker's output. A tampered or expired
/// link is 403; a genuine link whose result has been deleted is 404. An upload over
/// `--max-upload-size` is refused with 413 by `BodyLimitMiddleware` (at once when declared, when
/// it passes the cap when chunked), and what was written of it is removed.
struct FileController {
    let blobs: LocalBlobStore

    func addRoutes(to router: Router<ZoetropeRequestContext>) {
        router.get("/files/{key}") { request, context in
            let key = context.parameters.get("key") ?? ""
            let (expires, verdict) = try verify(request, path: "/files/\(key)")
            // A genuine link whose result is gone is 404, whether or not the link is also past its time.
            guard let file = blobs.file(for: key), FileManager.default.fileExists(atPath: file.path) else {
                throw APIError.notFound("file not found; the result has expired or was deleted")
            }
            guard verdict == .valid else { throw APIError.forbidden("this link has expired") }
            let body = try await FileIO().loadFile(path: file.path, context: context)
            var headers = HTTPFields()
            headers[.contentType] = key.hasSuffix(".mp4") ? "video/mp4" : key.hasSuffix(".png") ? "image/png" : "application/octet-stream"
            headers[.cacheControl] = "private, max-age=\(max(0, expires - Int(Date().timeIntervalSince1970)))"
            return Response(status: .ok, headers: headers, body: body)
        }
        router.put("/files/{key}") { request, context in
            let key = context.parameters.get("key") ?? ""
            let (_, verdict) = try verify(request, path: LocalBlobStore.uploadPath(key))
            guard verdict == .valid else { throw APIError.forbidden("this upload link has expired") }
            guard BlobKey.isValid(key) else { throw APIError.badRequest("invalid file name '\(key)'") }
            let temporary = try blobs.temporaryFile(for: key)
            do {
                let fileIO = FileIO()
                try await fileIO.writeFile(contents: request.body, path: temporary.path, context: context)
                try await blobs.commit(temporaryFile: temporary, key: key)
            } catch {
                try? FileManager.default.removeItem(at: temporary)
                // FileIO wraps an error of the body it writes, such as the 413 of an upload over the cap.
                if let refusal = (error as? FileSystemError)?.cause as? APIError { throw refusal }
                if DiskFull.isDiskFull(error) || ((error as? FileSystemError)?.cause).map(DiskFull.isDiskFull) == true {
                    throw APIError(status: .init(code: 507, reasonPhrase: "Insufficient Storage"), message: DiskFull.message)
                }
                throw error
            }
            return Response(status: .ok)
        }
    }

    private func verify(_ request: Request, path: String) throws -> (Int, URLSigner.Verdict) {
        let query = request.uri.queryParameters
        guard let expiresText = query.get("expires"), let expires = Int(expiresText),
            let signature = query.get("signature")
        else {
            throw APIError.forbidden("this link is not signed; use the link from the result or the lease")
        }
        let verdict = blobs.signer.verify(path: path, expires: expires, signature: signature)
        guard verdict != .badSignature else { throw APIError.forbidden("this link's signature is invalid") }
        return (expires, verdict)
    }
}
