import Foundation
import Hummingbird
import HTTPTypes

/// The OpenAPI 3.1 description of the API, kept in the repository and served at `/openapi.json`.
enum OpenAPIDocument {
    static func data() throws -> Data {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json") else {
            throw HTTPError(.internalServerError, message: "openapi.json is missing from the build")
        }
        return try Data(contentsOf: url)
    }

    static func response() throws -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try data())))
    }
}
