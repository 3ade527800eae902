import Foundation
import Hummingbird
import ZoetropeCore

/// What the server offers, without an API key: `GET /v1/models` (each model and its parameter
/// schema) and `GET /openapi.json` (the OpenAPI document generated from the same catalog).
struct ModelsController {
    let catalog: ModelCatalog

    func addRoutes(to router: Router<ZoetropeRequestContext>) {
        let models = ModelListAnswer(catalog: catalog)
        let document = OpenAPIDocument.data(catalog: catalog)
        router.get("/v1/models") { _, _ in try JSONResponse.make(encoding: models) }
        router.get("/openapi.json") { _, _ in OpenAPIDocument.response(document) }
    }
}
