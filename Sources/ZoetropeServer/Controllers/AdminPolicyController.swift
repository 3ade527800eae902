import Foundation
import Hummingbird
import ZoetropeCore

/// The content policy over HTTP for admin keys: recent blocks and flags, and the image hash
/// list (`zoetrope policy add-image` adds to it). `APIKeyMiddleware` refuses non-admin keys.
struct AdminPolicyController {
    let policy: any PolicyStore
    /// How many events one listing may ask for.
    static let limits = 1...1000
    static let defaultLimit = 100

    func addRoutes(to group: RouterGroup<ZoetropeRequestContext>) {
        group.get("/v1/admin/policy/events") { request, _ in
            let limit = try HistoryQuery.number(
                request.uri.queryParameters["limit"].map(String.init), name: "limit", default: Self.defaultLimit,
                range: Self.limits)
            let events = try await policy.policyEvents(limit: limit)
            return try JSONResponse.make(encoding: PolicyAnswer.Events(events: events.map(PolicyAnswer.Event.init)))
        }
        group.get("/v1/admin/policy/images") { _, _ in
            try JSONResponse.make(
                encoding: PolicyAnswer.Images(images: try await policy.policyImages().map(PolicyAnswer.Image.init)))
        }
    }
}
