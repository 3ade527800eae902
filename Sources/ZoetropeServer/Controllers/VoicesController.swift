import Hummingbird
import ZoetropeCore

/// The caller's voices (made by `kling-create-voice`): `GET /v1/voices`, `GET /v1/voices/{id}`
/// and `DELETE /v1/voices/{id}`. A voice of another key is 404, as an unknown one.
struct VoicesController {
    let voices: any VoiceStore

    func addRoutes(to group: RouterGroup<ZoetropeRequestContext>) {
        group.get("/v1/voices") { _, context in
            let list = try await voices.voices(apiKeyID: try context.requireAPIKey().id)
            return try JSONResponse.make(encoding: VoiceAnswer.List(voices: list.map(VoiceAnswer.init)))
        }
        group.get("/v1/voices/{id}") { _, context in
            let id = context.parameters.get("id") ?? ""
            guard let voice = try await voices.voice(id: id, apiKeyID: try context.requireAPIKey().id) else {
                throw Self.notFound(id)
            }
            return try JSONResponse.make(encoding: VoiceAnswer(voice))
        }
        group.delete("/v1/voices/{id}") { _, context in
            let id = context.parameters.get("id") ?? ""
            guard try await voices.deleteVoice(id: id, apiKeyID: try context.requireAPIKey().id) else {
                throw Self.notFound(id)
            }
            return try JSONResponse.make(encoding: VoiceAnswer.Deletion(voiceID: id, deleted: true))
        }
    }

    static func notFound(_ id: String) -> APIError {
        APIError.notFound("voice '\(id)' not found (unknown, deleted, or not yours)")
    }
}
