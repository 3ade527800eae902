import Hummingbird
import Logging

/// A stand-in web server for tests (an image host, a webhook receiver, a moderation service):
/// `router` served on a free loopback port until the returned task is cancelled.
enum LoopbackServer {
    static func start(_ router: Router<BasicRequestContext>, label: String) async throws
        -> (port: Int, task: Task<Void, any Error>)
    {
        var logger = Logger(label: label)
        logger.logLevel = .error
        let ready = ReadySignal()
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in ready.fire(.success((channel.localAddress?.port ?? 0, ""))) },
            logger: logger)
        let task = Task {
            do { try await app.run() } catch {
                ready.fire(.failure(error))
                throw error
            }
        }
        let (port, _) = try await ready.wait()
        return (port, task)
    }
}
