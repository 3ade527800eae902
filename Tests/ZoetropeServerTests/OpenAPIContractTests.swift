import Foundation
import Testing
import ZoetropeClient
import ZoetropeCore
import ZoetropeMedia
import ZoetropeServer
import ZoetropeStore

/// The contract as a client generated from `/openapi.json` sees it: the document lists exactly
/// the router's routes (one path per model), a method a documented path lacks is 405 with
/// `Allow`, and what a model's engine cannot honour is refused at submit before any credit moves.
@Suite(.serialized)
struct OpenAPIContractTests {
    static let catalog = BuiltInEngines.catalog

    /// `METHOD /path` of every documented operation.
    static func documented() throws -> Set<String> {
        guard case .object(let document) = OpenAPIDocument.document(catalog: catalog),
            case .object(let paths)? = document["paths"]
        else { throw APIError.internalError("no paths") }
        return Set(paths.flatMap { path, item -> [String] in
            guard case .object(let operations) = item else { return [] }
            return operations.keys.map { "\($0.uppercased()) \(path)" }
        })
    }

    @Test func documentListsEveryRouteTheRouterHas() async throws {
        var config = ServerConfiguration()
        config.dataDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("zoetrope-routes-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: config.dataDirectory) }
        let routes = try await Gateway(configuration: config).routes()
        // The router serves every model under /v1/{model} and /v2/{model}; the document has a path per model.
        let expanded = Set(routes.flatMap { route -> [String] in
            route.contains("{model}") ? Self.catalog.models.map { route.replacingOccurrences(of: "{model}", with: $0.slug) } : [route]
        })
        let documented = try Self.documented()
        #expect(expanded == documented, "router only: \(expanded.subtracting(documented).sorted()); document only: \(documented.subtracting(expanded).sorted())")
    }

    @Test func documentNamesEachModelsOwnSchema() throws {
        guard case .object(let document) = OpenAPIDocument.document(catalog: Self.catalog),
            case .object(let components)? = document["components"], case .object(let schemas)? = components["schemas"]
        else { throw APIError.internalError("no schemas") }
        for model in Self.catalog.models {
            #expect(schemas.values.contains(model.requestSchema), "\(model.slug)'s request schema is missing")
        }
        #expect(document["openapi"] == "3.1.0")
    }

    @Test func unknownMethodIs405WithAllow() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndClean() } }
        let models = try await HTTPTestClient.send(.POST, "\(server.baseURL)/v1/models", apiKey: server.apiKey, json: [:])
        #expect(models.status == 405 && models.headers.first(name: "allow") == "GET")
        #expect(models.error?.contains("not allowed") == true)
        let run = try await HTTPTestClient.send(.GET, "\(server.baseURL)/v1/\(ModelCatalog.klingImageToVideo)", apiKey: server.apiKey)
        #expect(run.status == 405 && run.headers.first(name: "allow") == "POST")
        let request = try await HTTPTestClient.send(.DELETE, "\(server.baseURL)/v2/requests/abc", apiKey: server.apiKey)
        #expect(request.status == 405 && request.headers.first(name: "allow") == "GET")
        let voice = try await HTTPTestClient.send(.PUT, "\(server.baseURL)/v1/voices/abc", apiKey: server.apiKey)
        #expect(voice.status == 405 && voice.headers.first(name: "allow") == "DELETE, GET")
        // Unknown paths and unknown models stay 404.
        #expect(try await HTTPTestClient.send(.GET, "\(server.baseURL)/nope", apiKey: server.apiKey).status == 404)
        #expect(try await HTTPTestClient.send(.POST, "\(server.baseURL)/v2/nope", apiKey: server.apiKey, json: [:]).status == 404)
        // The served document is the generated one.
        let served = try await HTTPTestClient.send(.GET, "\(server.baseURL)/openapi.json")
        #expect(served.body == OpenAPIDocument.data(catalog: Self.catalog))
    }

    @Test func unsupportedParametersAreRefusedBeforeCreditsMove() async throws {
        var metered = ""
        let server = try await TestServer.start(prepare: { store, _ in
            metered = try await APIKeyGenerator.create(name: "metered", in: store, options: KeyOptions(credits: Credits("10")!)).1
        })
        defer { Task { await server.stopAndClean() } }
        let image = "https://example.com/a.jpg"
        for (field, value) in [("elements", [["frontal_image_url": image]] as Any), ("voice_ids", ["v1"] as Any)] {
            let reply = try await HTTPTestClient.send(
                .POST, "\(server.baseURL)/v2/\(ModelCatalog.ltx2ImageToVideo)", apiKey: metered,
                json: ["prompt": "x", "start_image_url": image, field: value])
            #expect(reply.status == 400 && reply.error?.hasPrefix("\(field) is not supported by ltx-2-image2video") == true, "\(reply.json)")
        }
        let credits = try await HTTPTestClient.send(.GET, "\(server.baseURL)/v1/get-user-credits", apiKey: metered)
        #expect(credits.json["credits"] as? Double == 10)
        let history = try await HTTPTestClient.send(.GET, "\(server.baseURL)/v1/requests", apiKey: metered)
        #expect(history.json["total"] as? Double == 0)
    }

    /// The Swift SDK's typed request encodes only parameters the registry declares, and a fully
    /// filled one passes the registry's validation.
    @Test func sdkRequestMatchesTheRegistry() async throws {
        let image = "https://example.com/a.jpg"
        let request = KlingImageToVideo(
            prompt: "<<<voice_1>>> \"hi\" @Element1", startImageURL: image, endImageURL: image, aspectRatio: .portrait,
            cfgScale: 0.3, duration: 5, negativePrompt: "blur", generateAudio: false,
            multiPrompt: [.init(prompt: "<<<voice_1>>> \"a\"", duration: 2), .init(prompt: "b", duration: 3)],
            shotType: "customize",
            elements: [.init(frontalImageURL: image, referenceImageURLs: [image])], voiceIDs: ["voice-1"])
        let body = try JSONValue.parse(try JSONEncoder().encode(request))
        guard case .object(let fields) = body else { throw APIError.internalError("not an object") }
        let declared = try #require(Self.catalog.model(slug: ModelCatalog.klingImageToVideo)).parameters
        #expect(Set(fields.keys) == Set(declared.names), "SDK and registry disagree")
        let parsed = try await GenerationRequestParser().parse(body)
        #expect(parsed.duration == 5 && parsed.multiPrompt.count == 2 && parsed.elements.count == 1)
    }
}
