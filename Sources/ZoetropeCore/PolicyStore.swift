import Foundation

/// The content policy's durable parts, shared by every gateway on the store: the image hash list
/// operators add to, and the record of blocked and flagged requests.
public protocol PolicyStore: Sendable {
    /// Adds an image to the hash list.
    func addPolicyImage(_ image: PolicyImage) async throws
    /// Every listed image, oldest first.
    func policyImages() async throws -> [PolicyImage]
    /// Removes a listed image; false when no image has that id.
    func removePolicyImage(id: String) async throws -> Bool
    /// Records that a request was blocked or flagged.
    func recordPolicyEvent(_ event: PolicyEvent) async throws
    /// The most recent blocks and flags, newest first.
    func policyEvents(limit: Int) async throws -> [PolicyEvent]
}

/// A picture on the content policy's hash list: its 64-bit perceptual hashes and the category an
/// input that looks like it is blocked under.
public struct PolicyImage: Sendable, Equatable, Codable {
    public var id: String
    /// The perceptual hashes, 16 hexadecimal digits each, separated by spaces: the whole picture
    /// first, then its light crops.
    public var hash: String
    public var category: String
    /// What the operator called it (the file name it was added from).
    public var label: String
    public var addedAt: Date

    public init(id: String = UUID().uuidString.lowercased(), hash: String, category: String, label: String, addedAt: Date = Date()) {
        self.id = id
        self.hash = hash
        self.category = category
        self.label = label
        self.addedAt = addedAt
    }
}

/// One request the content policy blocked or flagged: which category, found by which check
/// (`terms`, `image`, `moderation`), in which field. Never the matched words.
public struct PolicyEvent: Sendable, Equatable, Codable {
    public var jobID: String
    public var apiKeyID: String
    public var model: String
    public var category: String
    /// `block` or `flag`.
    public var action: String
    /// The check that found it: `terms`, `image` or `moderation`.
    public var source: String
    /// The request field it was found in (`prompt`, `multi_prompt[2].prompt`, `start_image_url`, …).
    public var field: String
    public var createdAt: Date

    public init(
        jobID: String, apiKeyID: String, model: String, category: String, action: String, source: String,
        field: String, createdAt: Date = Date()
    ) {
        self.jobID = jobID
        self.apiKeyID = apiKeyID
        self.model = model
        self.category = category
        self.action = action
        self.source = source
        self.field = field
        self.createdAt = createdAt
    }
}
