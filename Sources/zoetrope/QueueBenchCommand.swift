import ArgumentParser
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import ZoetropeCore
import ZoetropeServer
import ZoetropeStore

/// `zoetrope bench queue`: submit and status latency (p50, p99) and throughput over HTTP against
/// a gateway with no render slots, with a short and with a long queue, on SQLite and (given a
/// server) PostgreSQL.
struct QueueBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue", abstract: "Benchmark submit and status calls with 10 and with 10 000 queued jobs.")

    @Option(name: .customLong("postgres"), help: "A PostgreSQL server's admin URL; a scratch database is made on it (and dropped). Without it, SQLite only.")
    var postgres: String?
    @Option(help: "Queue lengths to measure at (repeat).") var queued: [Int] = [10, 10_000]
    @Option(help: "Calls of each kind per measurement.") var calls = 400
    @Option(help: "Clients calling at once.") var clients = 8

    func run() async throws {
        #if DEBUG
        print("warning: this is a debug build; run `swift run -c release zoetrope bench queue` for real figures")
        #endif
        print("machine: \(RenderBenchCommand.cpuModel()), \(ProcessInfo.processInfo.activeProcessorCount) cores")
        print("\(calls) calls of each kind from \(clients) concurrent clients over loopback HTTP; latency per call")
        print("")
        print("store       queued   submit p50   p99      per s    status p50   p99      per s")
        try await measure(store: "sqlite", databaseURL: nil)
        if let postgres {
            let name = "zoetrope_bench_\(UInt32.random(in: 0...UInt32.max))"
            var logger = Logger(label: "bench")
            logger.logLevel = .error
            try await PostgresDatabaseAdmin.createDatabase(adminURL: postgres, name: name, logger: logger)
            do {
                try await measure(store: "postgresql", databaseURL: try PostgresDatabaseAdmin.url(postgres, database: name))
            } catch {
                try? await PostgresDatabaseAdmin.dropDatabase(adminURL: postgres, name: name, logger: logger)
                throw error
            }
            try await PostgresDatabaseAdmin.dropDatabase(adminURL: postgres, name: name, logger: logger)
        }
    }

    private func measure(store label: String, databaseURL: String?) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("zoetrope-queue-bench-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: directory) }
        var config = ServerConfiguration()
        config.port = 0
        config.dataDirectory = directory
        config.databaseURL = databaseURL
        config.runsLocalEngine = false
        config.rateLimitPerMinute = 100_000_000
        config.rateLimitBurst = 100_000_000
        config.maxUnfinishedJobs = 100_000_000
        var logger = Logger(label: "bench")
        logger.logLevel = .critical  // the gateway's own shutdown chatter would interleave with the table
        let store = try await config.databaseLocation().open(logger: logger)
        let secret: String
        let filler: APIKey
        do {
            secret = try await APIKeyGenerator.create(name: "bench", in: store).1
            filler = try await APIKeyGenerator.create(name: "filler", in: store).0
            try await store.close()
        } catch {
            try? await store.close()
            throw error
        }

        let ready = AsyncStream<String>.makeStream()
        let gateway = Gateway(configuration: config, logger: logger)
        let server = Task { try await gateway.run(gracefulShutdownSignals: []) { _, url in ready.continuation.yield(url) } }
        defer { server.cancel() }
        var iterator = ready.stream.makeAsyncIterator()
        guard let base = await iterator.next() else { throw ValidationError("the gateway did not start") }

        let fillStore = try await config.databaseLocation().open(logger: logger)
        var filled = 0
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            for target in queued.sorted() {
                // Top the queue up with jobs of another key (straight into the store: quicker than HTTP).
                let request = JobRequest.video(GenerationRequest(prompt: "bench", startImage: .remote(URL(string: "https://example.com/a.jpg")!)))
                while filled < target {
                    try await fillStore.insert(Job(apiKeyID: filler.id, model: ModelCatalog.klingImageToVideo, request: request))
                    filled += 1
                }
                let body = ByteBuffer(string: #"{"prompt":"bench","start_image_url":"https://example.com/a.jpg","duration":"5"}"#)
                let submit = try await Self.run(calls: calls, clients: clients) { _ in
                    var request = HTTPClientRequest(url: "\(base)/v2/\(ModelCatalog.klingImageToVideo)")
                    request.method = .POST
                    request.headers.add(name: "x-api-key", value: secret)
                    request.headers.add(name: "content-type", value: "application/json")
                    request.body = .bytes(body)
                    let response = try await http.execute(request, timeout: .seconds(30))
                    let bytes = try await response.body.collect(upTo: 1 << 20)
                    guard response.status == .ok else { throw ValidationError("submit answered \(response.status): \(String(buffer: bytes))") }
                    return (try JSONSerialization.jsonObject(with: Data(buffer: bytes)) as? [String: Any])?["request_id"] as? String
                }
                let ids = submit.values.compactMap { $0 }
                filled += ids.count
                let status = try await Self.run(calls: calls, clients: clients) { index in
                    var request = HTTPClientRequest(url: "\(base)/v2/requests/\(ids[index % ids.count])/status")
                    request.headers.add(name: "x-api-key", value: secret)
                    let response = try await http.execute(request, timeout: .seconds(30))
                    _ = try await response.body.collect(upTo: 1 << 20)
                    guard response.status == .ok else { throw ValidationError("status answered \(response.status)") }
                    return nil
                }
                print(String(
                    format: "%-10@ %7d   %7.2f ms %7.2f ms %6.0f   %7.2f ms %7.2f ms %6.0f", label as NSString, target,
                    submit.p50 * 1000, submit.p99 * 1000, submit.perSecond, status.p50 * 1000, status.p99 * 1000,
                    status.perSecond))
            }
        } catch {
            try? await http.shutdown()
            try? await fillStore.close()
            throw error
        }
        try await http.shutdown()
        try await fillStore.close()
        server.cancel()
        _ = try? await server.value
    }

    /// Latency percentiles and throughput of `calls` calls made by `clients` concurrent loops.
    struct Timing {
        var p50: Double
        var p99: Double
        var perSecond: Double
        var values: [String?]
    }

    static func run(calls: Int, clients: Int, _ call: @escaping @Sendable (Int) async throws -> String?) async throws -> Timing {
        let clock = ContinuousClock()
        let started = clock.now
        let results = try await withThrowingTaskGroup(of: [(Double, String?)].self) { group in
            for client in 0..<clients {
                group.addTask {
                    var out: [(Double, String?)] = []
                    var index = client
                    while index < calls {
                        let start = clock.now
                        let value = try await call(index)
                        out.append(((clock.now - start).inSeconds, value))
                        index += clients
                    }
                    return out
                }
            }
            var all: [(Double, String?)] = []
            for try await part in group { all += part }
            return all
        }
        let elapsed = (clock.now - started).inSeconds
        let latencies = LatencySummary(results.map(\.0))
        return Timing(
            p50: latencies.percentile(0.5), p99: latencies.percentile(0.99), perSecond: Double(results.count) / elapsed,
            values: results.map(\.1))
    }
}
