import ArgumentParser
import Foundation
import Logging
import ZoetropeCore
import ZoetropeServer
import ZoetropeStore

/// `zoetrope keys create|list|revoke`: manages API keys in the data directory's store.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Manage API keys.",
        subcommands: [Create.self, List.self, Revoke.self, Credit.self])

    /// Opens the store named by the options, runs `body`, and closes it.
    static func withStore<T>(_ options: DataDirectoryOption, _ body: (any DataStore) async throws -> T) async throws -> T {
        var config = ServerConfiguration()
        config.data = try options.resolved()
        var logger = Logger(label: "zoetrope")
        logger.logLevel = .warning
        let store = try await config.databaseLocation().open(logger: logger)
        do {
            let result = try await body(store)
            try await store.close()
            return result
        } catch {
            try? await store.close()
            throw error
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a key; its secret is printed once, as the last line.")
        @Option(help: "A name to recognise the key by.") var name: String
        @Option(help: "Starting balance in credits (a decimal); without it the key is not metered.") var credits: String?
        @Flag(help: "An admin key (may manage keys over /v1/admin).") var admin = false
        @Flag(help: "A worker token: only for `zoetrope worker` and other workers (the /v1/worker protocol).")
        var worker = false
        @Option(help: "full, submit-only or read-only.") var access: String = "full"
        @Option(name: .customLong("model"), help: "A model the key may use (repeat); all when none.") var models: [String] = []
        @Option(help: "Default webhook: results are POSTed here when a submit names none.") var webhook: String?
        @OptionGroup var data: DataDirectoryOption

        func run() async throws {
            guard let access = APIKey.Access(rawValue: access) else {
                throw ValidationError("--access must be full, submit-only or read-only")
            }
            if let webhook, !(webhook.hasPrefix("http://") || webhook.hasPrefix("https://")) {
                throw ValidationError("--webhook must be an http(s) URL")
            }
            guard !(admin && worker) else { throw ValidationError("--admin and --worker cannot be combined") }
            var options = KeyOptions(
                role: admin ? .admin : worker ? .worker : .user, access: access, models: models.isEmpty ? nil : models, webhookURL: webhook)
            if let credits {
                guard let amount = Credits(credits), amount >= .zero else {
                    throw ValidationError("--credits must be a decimal number ≥ 0, such as 10 or 2.5")
                }
                options.credits = amount
            }
            let (key, secret) = try await KeysCommand.withStore(data) { store in
                try await APIKeyGenerator.create(name: name, in: store, options: options)
            }
            print("Created API key '\(key.name)' (id \(key.id)). Keep the secret; it is not shown again:")
            print(secret)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List keys (never their secrets).")
        @OptionGroup var data: DataDirectoryOption

        func run() async throws {
            let keys = try await KeysCommand.withStore(data) { try await $0.keys() }
            for key in keys {
                let state = key.revokedAt == nil ? "active" : "revoked"
                let credits = key.credits.map { "\($0) credits" } ?? "not metered"
                let models = key.models?.joined(separator: ",") ?? "all models"
                print("\(key.id)\t\(key.name)\t\(state)\t\(key.role.rawValue)\t\(key.access.rawValue)\t\(models)\t\(credits)\tcreated \(key.createdAt.formatted(.iso8601))")
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key by its id; it is refused at once.")
        @Argument(help: "The key's id (see `keys list`).") var id: String
        @OptionGroup var data: DataDirectoryOption

        func run() async throws {
            let found = try await KeysCommand.withStore(data) { try await $0.revokeKey(id: id, now: Date()) }
            guard found else { throw ValidationError("no key with id '\(id)'") }
            print("Revoked \(id)")
        }
    }

    struct Credit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add credits to a key (a negative amount takes away), or --set its balance.")
        @Argument(help: "The key's id (see `keys list`).") var id: String
        @Argument(help: "Credits, a decimal such as 10 or -2.5; with --set, \"none\" stops metering the key.")
        var amount: String
        @Flag(help: "Set the balance instead of adding to it.") var set = false
        @OptionGroup var data: DataDirectoryOption

        func run() async throws {
            let credits: Credits?
            if set && amount.lowercased() == "none" {
                credits = nil
            } else {
                guard let parsed = Credits(amount) else {
                    throw ValidationError("the amount must be a decimal number of credits, such as 10 or -2.5")
                }
                credits = parsed
            }
            let key = try await KeysCommand.withStore(data) { try await $0.changeCredits(id: id, amount: credits, set: set) }
            guard let key else { throw ValidationError("no key with id '\(id)'") }
            print("\(key.id): \(key.credits.map { "\($0) credits" } ?? "not metered")")
        }
    }
}
