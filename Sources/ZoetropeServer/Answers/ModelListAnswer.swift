import ZoetropeCore

/// The answer to `GET /v1/models`: each model with its engine, output and parameter schema.
struct ModelListAnswer: Codable, Equatable {
    var models: [JSONValue]

    init(catalog: ModelCatalog) {
        models = catalog.models.map(\.json)
    }
}
