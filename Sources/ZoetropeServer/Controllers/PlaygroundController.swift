import Foundation
import HTTPTypes
import ZoetropeCore
import Hummingbird

/// The web playground: static HTML, CSS and JavaScript kept in the repository (no build step, no
/// external assets), served at `/` and `/playground/{file}`. The page calls the public API from
/// the browser with the key the user types in.
struct PlaygroundController {
    /// The files served, by name, with their content types.
    static let files: [String: String] = [
        "index.html": "text/html; charset=utf-8",
        "playground.css": "text/css; charset=utf-8",
        "playground.js": "text/javascript; charset=utf-8",
    ]

    func addRoutes(to router: Router<ZoetropeRequestContext>) {
        router.get("/") { _, _ in try Self.response(for: "index.html") }
        router.get("/playground/{file}") { _, context in
            try Self.response(for: context.parameters.get("file") ?? "")
        }
    }

    static func response(for name: String) throws -> Response {
        guard let contentType = files[name] else {
            throw APIError.notFound("no playground file '\(name)'")
        }
        let parts = name.split(separator: ".", maxSplits: 1).map(String.init)
        guard let url = Bundle.module.url(forResource: parts[0], withExtension: parts[1], subdirectory: "playground") else {
            throw HTTPError(.internalServerError, message: "the playground's \(name) is missing from the build")
        }
        var headers = HTTPFields()
        headers[.contentType] = contentType
        headers[.cacheControl] = "no-cache"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try Data(contentsOf: url))))
    }
}
