import Hummingbird
import ZoetropeCore

/// `GET /v1/get-user-credits`: the key's balance, as it stands for this request (null when the
/// key is not metered). The balance of every answer is also in `x-remaining-credits`.
struct CreditsController {
    func addRoutes(to group: RouterGroup<ZoetropeRequestContext>) {
        group.get("/v1/get-user-credits") { _, context in
            try JSONResponse.make(encoding: CreditsAnswer(balance: try context.requireAPIKey().credits))
        }
    }
}
