import AsyncHTTPClient
import Foundation
import Logging
import Synchronization
import ZoetropeCore
import ZoetropeServer
import ZoetropeStore

/// A real Zoetrope server on a free loopback port, in its own data directory, with one API key.
struct TestServer {
    let port: Int
    let baseURL: String
    let apiKey: String
    let dataDirectory: URL
    let configuration: ServerConfiguration
    private let task: Task<Void, any Error>

    /// Starts a server on `database`; `configure` adjusts the configuration (short retention,
    /// SSRF guard on, ...). `prepare` runs against the store before the server opens it.
    /// Restarting on the same data directory reuses its PostgreSQL database too.
    static func start(
        database: TestDatabase = .sqlite,
        dataDirectory: URL? = nil,
        configure: (inout ServerConfiguration) -> Void = { _ in },
        prepare: (any DataStore, ServerConfiguration) async throws -> Void = { _, _ in }
    ) async throws -> TestServer {
        var config = ServerConfiguration()
        config.databaseTimeout = .seconds(60)  // a loaded test machine is not a database outage
        config.host = "127.0.0.1"
        config.port = 0
        config.dataDirectory = dataDirectory ?? FileManager.default.temporaryDirectory
            .appendingPathComponent("zoetrope-test-\(UUID().uuidString.prefix(8))")
        config.allowPrivateInputs = true
        config.pollInterval = 0.05
        // A render that hangs (it has happened on loaded CI machines, where is not known) is given
        // up and tried again well within a test's wait; a healthy render moves every frame.
        config.stallLimit = .seconds(30)
        config.databaseURL = try await database.url(for: config.dataDirectory)
        configure(&config)

        var storeLogger = Logger(label: "zoetrope-test")
        storeLogger.logLevel = .warning
        let store = try await config.databaseLocation().open(logger: storeLogger, queryTimeout: config.databaseTimeout)
        let secret: String
        do {
            secret = try await APIKeyGenerator.create(name: "test", in: store).1
            try await prepare(store, config)
            try await store.close()
        } catch {
            try? await store.close()
            throw error
        }

        var logger = Logger(label: "zoetrope-test")
        logger.logLevel = .warning
        let ready = ReadySignal()
        let gateway = Gateway(configuration: config, logger: logger)
        let task = Task {
            do {
                try await gateway.run(gracefulShutdownSignals: []) { port, url in ready.fire(.success((port, url))) }
            } catch {
                ready.fire(.failure(error))
                throw error
            }
        }
        let (port, url) = try await ready.wait()
        return TestServer(
            port: port, baseURL: url, apiKey: secret, dataDirectory: config.dataDirectory, configuration: config,
            task: task)
    }

    /// Stops the server (graceful shutdown) and waits for it to close its store.
    func stop() async {
        task.cancel()
        _ = try? await task.value
    }

    /// Stops the server and deletes its data directory (and its PostgreSQL database).
    func stopAndClean() async {
        await stop()
        await TestDatabase.dropDatabase(of: dataDirectory)
        try? FileManager.default.removeItem(at: dataDirectory)
    }

    /// The blob store the server keeps in its data directory (for tests that prepare jobs).
    static func localBlobs(_ config: ServerConfiguration) throws -> LocalBlobStore {
        try LocalBlobStore(
            root: config.outputsDirectory, signer: try URLSigner.loadOrCreate(secretFile: config.signingKeyFile),
            publicBase: { "" })
    }
}

/// Resolves once with the server's port and public URL, or with its start-up error.
final class ReadySignal: Sendable {
    typealias Value = Result<(Int, String), any Error>
    private let state = Mutex<(value: Value?, waiter: CheckedContinuation<(Int, String), any Error>?)>((nil, nil))

    func fire(_ value: Value) {
        let waiter = state.withLock { state -> CheckedContinuation<(Int, String), any Error>? in
            guard state.value == nil else { return nil }
            state.value = value
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(with: value)
    }

    func wait() async throws -> (Int, String) {
        try await withCheckedThrowingContinuation { continuation in
            let value = state.withLock { state -> Value? in
                if let value = state.value { return value }
                state.waiter = continuation
                return nil
            }
            if let value { continuation.resume(with: value) }
        }
    }
}
