import HTTPTypes
import Foundation
import Hummingbird
import ZoetropeCore
import ZoetropeStore

extension LocalBlobStore: LocalFileLocating {}

/// Serves finished videos at signed, expiring links: no API key, a plain GET. A tampered or
/// expired link is 403; a genuine link whose result has been deleted is 404.
struct FileController {
    let blobs: LocalBlobStore

    func addRoutes(to router: Router<ZoetropeRequestContext>) {
        router.get("/files/{key}") { request, context in
            let key = context.parameters.get("key") ?? ""
            let query = request.uri.queryParameters
            guard let expiresText = query.get("expires"), let expires = Int(expiresText),
                let signature = query.get("signature")
            else {
                throw APIError.forbidden("this link is not signed; use the output URL from the result")
            }
            let verdict = blobs.signer.verify(path: "/files/\(key)", expires: expires, signature: signature)
            guard verdict != .badSignature else { throw APIError.forbidden("this link's signature is invalid") }
            // A genuine link whose result is gone is 404, whether or not the link is also past its time.
            guard let file = blobs.file(for: key), FileManager.default.fileExists(atPath: file.path) else {
                throw APIError.notFound("file not found; the result has expired or was deleted")
            }
            guard verdict == .valid else { throw APIError.forbidden("this link has expired") }
            let body = try await FileIO().loadFile(path: file.path, context: context)
            var headers = HTTPFields()
            headers[.contentType] = "video/mp4"
            headers[.cacheControl] = "private, max-age=\(max(0, expires - Int(Date().timeIntervalSince1970)))"
            return Response(status: .ok, headers: headers, body: body)
        }
    }
}
