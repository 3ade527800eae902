import Foundation
import ZoetropeCore
import ZoetropePolicy

/// The content policy's parts, made from the configuration: the policy in force, the moderation
/// client, the inbox of jobs to screen and how long one screen may take.
struct PolicyParts {
    let book: PolicyBook
    let moderation: ModerationClient?
    let inbox = ScreeningInbox()
    /// How long a job waits for its screen before another gateway screens it (its gateway may
    /// have stopped): short, so a stopped gateway delays its jobs by seconds, not minutes. A
    /// screen that is only slow (a slow input server) may then run twice; both reach the same
    /// verdict and either may apply it.
    let screeningBudget: Duration

    init(configuration config: ServerConfiguration) throws {
        let settings = config.contentPolicy
        do {
            book = try PolicyBook(file: settings.file.map { URL(fileURLWithPath: $0) })
        } catch let error as PolicyFileError {
            throw ConfigurationError("--content-policy: \(error)")
        }
        if let raw = settings.moderationURL {
            guard let url = URL(string: raw), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil
            else {
                throw ConfigurationError("--moderation-url must be an http(s) URL, got '\(raw)'")
            }
            moderation = ModerationClient(url: url, apiKey: settings.moderationKey, timeout: settings.moderationTimeout)
        } else {
            moderation = nil
        }
        screeningBudget = .seconds(15) + (moderation == nil ? .zero : settings.moderationTimeout)
    }
}
