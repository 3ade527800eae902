import ZoetropeCore

/// The admin API's view of the content policy's record and image hash list.
enum PolicyAnswer {
    /// `GET /v1/admin/policy/events`: recent blocks and flags, newest first.
    struct Events: Codable, Equatable {
        var events: [Event]
    }

    /// One block or flag: the category, the check, the field; never the matched words.
    struct Event: Codable, Equatable {
        var requestID: String
        var apiKeyID: String
        var model: String
        var category: String
        var action: String
        var source: String
        var field: String
        var createdAt: String

        init(_ event: PolicyEvent) {
            requestID = event.jobID
            apiKeyID = event.apiKeyID
            model = event.model
            category = event.category
            action = event.action
            source = event.source
            field = event.field
            createdAt = event.createdAt.iso8601
        }

        enum CodingKeys: String, CodingKey {
            case requestID = "request_id", apiKeyID = "api_key_id", model, category, action, source, field,
                createdAt = "created_at"
        }
    }

    /// `GET /v1/admin/policy/images`: the image hash list, oldest first.
    struct Images: Codable, Equatable {
        var images: [Image]
    }

    /// One listed image: its perceptual hash and category.
    struct Image: Codable, Equatable {
        var id: String
        var hash: String
        var category: String
        var label: String
        var addedAt: String

        init(_ image: PolicyImage) {
            id = image.id
            hash = image.hash
            category = image.category
            label = image.label
            addedAt = image.addedAt.iso8601
        }

        enum CodingKeys: String, CodingKey {
            case id, hash, category, label, addedAt = "added_at"
        }
    }
}
