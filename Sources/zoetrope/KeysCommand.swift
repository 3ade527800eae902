import ArgumentParser
import Foundation
import ZoetropeCore
import ZoetropeServer
import ZoetropeStore

/// `zoetrope keys create|list|revoke`: manages API keys in the data directory's store.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Manage API keys.",
        subcommands: [Create.self, List.self, Revoke.self])

    /// Opens the store named by the options, runs `body`, and closes it.
    static func withStore<T>(_ options: DataDirectoryOption, _ body: (SQLiteJobStore) async throws -> T) async throws -> T {
        var config = ServerConfiguration()
        config.dataDirectory = options.resolvedDataDirectory
        config.databaseURL = options.resolvedDatabaseURL
        let store = try await SQLiteJobStore.open(path: try config.sqlitePath())
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
        @OptionGroup var data: DataDirectoryOption

        func run() async throws {
            let (key, secret) = try await KeysCommand.withStore(data) { store in
                try await APIKeyGenerator.create(name: name, in: store)
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
                print("\(key.id)\t\(key.name)\t\(state)\tcreated \(key.createdAt.formatted(.iso8601))")
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
}
