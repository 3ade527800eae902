import Foundation
import Testing
import ZoetropeClient
import ZoetropeCore
import ZoetropeMedia
import ZoetropeServer
import ZoetropeStore

/// The contract as a client generated from `/openapi.json` sees it: the document lists exactly
/// the router's routes (one path per model) and each model's own schema, and the SDK's typed
/// request matches the registry. (405s with `Allow` and the refusals of unsupported parameters
/// are checked in process, in `SystemRouteTests` and `GenerationRouteTests`.)
@Suite(.serialized)
struct OpenAPIContractTests {
    static let catalog = BuiltInEngines.catalog

    /// `METHOD /path` of every documented operation.
    static func documented() throws -> Set<String> {
        guard case .object(let document) = OpenAPIDocument.document(catalog: catalog),
            case .object(let paths)? = document["paths"]
        else { throw TestFailure("no paths") }
        return Set(paths.flatMap { path, item -> [String] in
            guard case .object(let operations) = item else { return [] }
            return operations.keys.map { "\($0.uppercased()) \(path)" }
        })
    }

    @Test func documentListsEveryRouteTheRouterHas() async throws {
        var config = ServerConfiguration()
        config.databaseTimeout = .seconds(60)  // a loaded test machine is not a database outage
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
        else { throw TestFailure("no schemas") }
        for model in Self.catalog.models {
            #expect(schemas.values.contains(model.requestSchema), "\(model.slug)'s request schema is missing")
        }
        #expect(document["openapi"] == "3.1.0")
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
            elements: [.init(frontalImageURL: image, referenceImageURLs: [image])], voiceIDs: ["voice-1"], seed: 42)
        let body = try JSONValue.parse(try JSONEncoder().encode(request))
        guard case .object(let fields) = body else { throw TestFailure("not an object") }
        let declared = try #require(Self.catalog.model(slug: ModelCatalog.klingImageToVideo)).parameters
        #expect(Set(fields.keys) == Set(declared.names), "SDK and registry disagree")
        let parsed = try await GenerationRequestParser().parse(body)
        #expect(parsed.duration == 5 && parsed.multiPrompt.count == 2 && parsed.elements.count == 1)
    }
}
