import Foundation
import HTTPTypes
import Hummingbird
import ZoetropeCore

/// The OpenAPI 3.1 description of the API, generated from the model registry (one path per model
/// for v1 and v2, each with the model's own request schema) and from the operations the routes
/// serve. Served at `/openapi.json` and written to a file by `zoetrope openapi`.
public enum OpenAPIDocument {
    /// The document for the models of `catalog`.
    public static func document(catalog: ModelCatalog) -> JSONValue {
        var paths: [String: [String: JSONValue]] = [:]
        for (path, method, operation) in operations(catalog: catalog) {
            paths[path, default: [:]][method.rawValue.lowercased()] = operation
        }
        var schemas = schemas
        for model in catalog.models { schemas[requestSchemaName(model)] = model.requestSchema }
        return [
            "openapi": "3.1.0",
            "info": [
                "title": "Zoetrope",
                "version": "2.0.0",
                "description": .string(
                    "Self-hosted, Segmind-compatible image-to-video API. POST /v1/{model} runs a model and answers its output; "
                        + "POST /v2/{model} queues a job to poll at /v2/requests/{id}/status and /v2/requests/{id}. "
                        + "Every error is JSON {\"error\": \"<sentence>\"}; a method a path does not have is 405 with an Allow header. "
                        + "Models: " + catalog.models.map(\.slug).joined(separator: ", ") + "."),
            ],
            "tags": [
                ["name": "system"], ["name": "models"], ["name": "generation"], ["name": "files"], ["name": "voices"],
                ["name": "accounts", "description": "Credits and webhook secrets"],
                ["name": "admin", "description": "Key management for admin keys"],
                ["name": "workers", "description": "The worker protocol (worker tokens only)"],
            ],
            "paths": .object(paths.mapValues { .object($0) }),
            "components": [
                "schemas": .object(schemas), "responses": responses, "securitySchemes": securitySchemes,
            ],
        ]
    }

    /// Every operation: its path template, method and OpenAPI operation object.
    static func operations(catalog: ModelCatalog) -> [(path: String, method: HTTPRequest.Method, operation: JSONValue)] {
        var operations: [(String, HTTPRequest.Method, JSONValue)] = [
            ("/", .get, playground), ("/playground/{file}", .get, playgroundFile), ("/healthz", .get, health), ("/readyz", .get, ready), ("/metrics", .get, metrics),
            ("/openapi.json", .get, openapi), ("/v1/models", .get, listModels),
            ("/v2/requests/{id}/status", .get, getRequestStatus), ("/v2/requests/{id}", .get, getRequestResult),
            ("/v2/requests/{id}/cancel", .post, cancelRequest), ("/v2/requests/{id}/stream", .get, streamRequest),
            ("/v2/requests/{id}/webhooks", .get, getWebhookDeliveries), ("/v1/requests", .get, listRequests),
            ("/files/{key}", .get, getFile), ("/files/{key}", .put, uploadFile),
            ("/v1/voices", .get, listVoices), ("/v1/voices/{id}", .get, getVoice), ("/v1/voices/{id}", .delete, deleteVoice),
            ("/v1/get-user-credits", .get, getUserCredits), ("/v1/webhooks/secret", .get, getWebhookSecret),
            ("/v1/admin/keys", .get, adminListKeys), ("/v1/admin/keys", .post, adminCreateKey(models: catalog.models.map(\.slug))),
            ("/v1/admin/keys/{id}/revoke", .post, adminRevokeKey), ("/v1/admin/keys/{id}/credits", .post, adminChangeCredits),
            ("/v1/admin/policy/events", .get, adminPolicyEvents), ("/v1/admin/policy/images", .get, adminPolicyImages),
            ("/v1/worker/lease", .post, workerLease), ("/v1/worker/jobs/{id}/heartbeat", .post, workerHeartbeat),
            ("/v1/worker/jobs/{id}/complete", .post, workerComplete), ("/v1/worker/jobs/{id}/fail", .post, workerFail),
            ("/v1/worker/jobs/{id}/release", .post, workerRelease),
        ]
        for model in catalog.models {
            operations.append(("/v1/\(model.slug)", .post, runSync(model)))
            operations.append(("/v2/\(model.slug)", .post, submitAsync(model)))
        }
        return operations
    }

    /// The methods each documented path has, for 405 answers.
    static func methods(catalog: ModelCatalog) -> [String: Set<HTTPRequest.Method>] {
        var methods: [String: Set<HTTPRequest.Method>] = [:]
        for (path, method, _) in operations(catalog: catalog) { methods[path, default: []].insert(method) }
        return methods
    }

    /// A response whose body is `{"error": "..."}`.
    /// A response header whose value is a string.
    static func stringHeader(_ description: String, example: String? = nil) -> JSONValue {
        var header: [String: JSONValue] = ["description": .string(description), "schema": ["type": "string"]]
        if let example { header["example"] = .string(example) }
        return .object(header)
    }

    static func errorResponse(_ description: String) -> JSONValue {
        ["description": .string(description), "content": ["application/json": ["schema": ["$ref": "#/components/schemas/Error"]]]]
    }

    /// The document as pretty-printed JSON with sorted keys.
    public static func data(catalog: ModelCatalog) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return (try? encoder.encode(document(catalog: catalog))) ?? Data()
    }

    /// `GET /openapi.json`.
    static func response(_ data: Data) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
