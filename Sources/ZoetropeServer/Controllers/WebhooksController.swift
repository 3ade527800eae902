import Hummingbird
import ZoetropeCore

/// What a caller sees of its webhooks: `GET /v2/requests/{id}/webhooks` (a request's deliveries
/// and every attempt) and `GET /v1/webhooks/secret` (the key's signing secret). `WebhookService`
/// makes the deliveries.
struct WebhooksController {
    let jobs: any JobStore
    let webhooks: any WebhookStore

    func addRoutes(to group: RouterGroup<ZoetropeRequestContext>) {
        group.get("/v2/requests/{id}/webhooks") { _, context in
            let job = try await context.requireOwnJob(in: jobs)
            let deliveries = try await webhooks.webhookDeliveries(jobID: job.id)
            return try JSONResponse.make(encoding: WebhookLogAnswer(deliveries: deliveries.map { WebhookLogAnswer.Delivery($0, attempts: $1) }))
        }
        group.get("/v1/webhooks/secret") { _, context in
            let secret = try await webhooks.webhookSecret(apiKeyID: try context.requireAPIKey().id)
            return try JSONResponse.make(encoding: WebhookSecretAnswer(secret: secret))
        }
    }
}
