import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import Synchronization
import ZoetropeMedia

/// `zoetrope bench api`: the capacity of a running gateway. Drives it over HTTP with a mix of
/// submits, status polls and result fetches at rising request rates (open loop: each call is sent
/// at its scheduled time, and its latency counts from then, so a slow server cannot hide its
/// queueing), reports throughput and p50/p99 latency per route, then renders clips side by side
/// and reports jobs an hour.
struct APIBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api",
        abstract: "Drive a running gateway with submits, polls and results at rising rates; report throughput, p50/p99 per route and jobs an hour.")

    @OptionGroup var connection: ClientOptions
    @Option(help: "Request rates to try, calls a second (repeat).") var rate: [Int] = [100, 200, 400, 800, 1600]
    @Option(help: "Seconds at each rate.") var seconds: Double = 10
    @Option(help: "Share of the calls that submit a job; the rest poll status and fetch results, 4 to 1.")
    var submitShare: Double = 0.02
    @Option(help: "The model submitted to.") var model = "kling-3-pro-image2video"
    @Option(help: "Clip length (seconds) of the jobs submitted and of the jobs-an-hour measure.") var duration = 5
    @Option(help: "Clips rendered side by side for the jobs-an-hour measure (0 skips it).") var clips = 2
    @Option(help: "Size of the test picture submitted, WIDTHxHEIGHT.") var picture = "1280x720"
    @Flag(help: "Leave the load's jobs queued instead of cancelling them (to measure a long queue).") var keepJobs = false

    /// The three routes driven.
    enum Route: String, CaseIterable {
        case submit = "POST /v2/{model}"
        case status = "GET /v2/requests/{id}/status"
        case result = "GET /v2/requests/{id}"
    }

    /// One call's outcome.
    struct Sample: Sendable {
        var route: Route
        var seconds: Double
        var ok: Bool
    }

    func validate() throws {
        guard !rate.isEmpty, rate.allSatisfy({ $0 > 0 }) else { throw ValidationError("--rate must be positive") }
        guard (0...1).contains(submitShare) else { throw ValidationError("--submit-share must be from 0 to 1") }
        guard seconds > 0 else { throw ValidationError("--seconds must be positive") }
    }

    func run() async throws {
        let gateway = try Gateway(connection, model: model)
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            try await measure(gateway: gateway, http: http)
        } catch {
            try? await http.shutdown()
            throw error
        }
        try await http.shutdown()
    }

    private func measure(gateway: Gateway, http: HTTPClient) async throws {
        let body = try Self.submitBody(duration: duration, picture: picture)

        print("machine: \(RenderBenchCommand.cpuModel()), \(ProcessInfo.processInfo.activeProcessorCount) cores (this client's)")
        print("gateway: \(gateway.base); \(Int(submitShare * 100)) % submits (\(duration) s clips), the rest status:result 4:1; \(seconds) s a rate")
        let submitted = Submitted(try await gateway.submit(body, http: http))
        print("")
        print("rate/s   route                           calls  done/s   p50 ms    p99 ms  errors")
        for target in rate.sorted() {
            let samples = try await drive(rate: target, body: body, gateway: gateway, http: http, submitted: submitted)
            for route in Route.allCases {
                let mine = samples.filter { $0.route == route }
                guard !mine.isEmpty else { continue }
                let latencies = LatencySummary(mine.map(\.seconds))
                print(String(format: "%6d   ", target) + route.rawValue.padding(toLength: 30, withPad: " ", startingAt: 0)
                    + String(
                    format: " %6d %7.0f %8.2f %9.2f %7d", mine.count, Double(mine.count) / seconds, latencies.percentile(0.5) * 1000, latencies.percentile(0.99) * 1000,
                    mine.filter { !$0.ok }.count))
            }
        }
        // The load's jobs would render for a long time: they are cancelled.
        if !keepJobs { for id in submitted.ids { await gateway.cancel(id, http: http) } }
        if clips > 0 { try await jobsAnHour(body: body, gateway: gateway, http: http) }
    }

    /// Calls at `rate` a second for `seconds`, each at its scheduled time.
    private func drive(rate: Int, body: ByteBuffer, gateway: Gateway, http: HTTPClient, submitted: Submitted)
        async throws -> [Sample]
    {
        let calls = Int(Double(rate) * seconds)
        let submitEvery = max(1, Int((1 / max(submitShare, 1e-9)).rounded()))
        let clock = ContinuousClock(), start = clock.now
        return try await withThrowingTaskGroup(of: Sample.self) { group in
            for index in 0..<calls {
                let due = start + .seconds(Double(index) / Double(rate))
                try await clock.sleep(until: due)
                let route: Route = submitShare > 0 && index % submitEvery == 0 ? .submit : (index % 5 == 0 ? .result : .status)
                let id = submitted.id(index)
                group.addTask {
                    let ok: Bool
                    switch route {
                    case .submit:
                        let made = try? await gateway.submit(body, http: http)
                        if let made { submitted.add(made) }
                        ok = made != nil
                    case .status: ok = await gateway.get("/v2/requests/\(id)/status", http: http)
                    case .result: ok = await gateway.get("/v2/requests/\(id)", http: http)
                    }
                    return Sample(route: route, seconds: (clock.now - due).inSeconds, ok: ok)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }

    /// Renders `clips` clips side by side and prints how many such jobs the gateway finishes an hour.
    private func jobsAnHour(body: ByteBuffer, gateway: Gateway, http: HTTPClient) async throws {
        let clock = ContinuousClock(), start = clock.now
        var ids: [String] = []
        for _ in 0..<clips { ids.append(try await gateway.submit(body, http: http)) }
        for id in ids {
            while true {
                let state = try await gateway.status(id, http: http)
                if state == "COMPLETED" { break }
                guard state == "QUEUED" || state == "PROCESSING" else { throw ValidationError("job \(id) ended \(state)") }
                try await Task.sleep(for: .milliseconds(250))
            }
        }
        let elapsed = (clock.now - start).inSeconds
        print("")
        print(String(
            format: "%d clips of %d s at once: all done in %.1f s = %.0f jobs an hour", clips, duration, elapsed,
            Double(clips) / elapsed * 3600))
    }

    /// A submit body: a test picture of `picture` size inline, the clip length, no audio.
    static func submitBody(duration: Int, picture size: String) throws -> ByteBuffer {
        let picture = try ProcessRunner.runBlocking(
            "ffmpeg", ["-v", "error", "-f", "lavfi", "-i", "testsrc2=s=\(size)", "-frames:v", "1", "-f", "image2pipe",
                       "-vcodec", "png", "pipe:1"])
        guard picture.status == 0 else { throw ValidationError("ffmpeg could not draw the test picture: \(picture.lastErrorLine)") }
        let json: [String: Any] = [
            "prompt": "bench: a slow push in", "start_image_url": "data:image/png;base64,\(picture.stdout.base64EncodedString())",
            "duration": String(duration), "generate_audio": false,
        ]
        return ByteBuffer(data: try JSONSerialization.data(withJSONObject: json))
    }

    /// The ids of the jobs submitted so far, which the polls spread over.
    final class Submitted: Sendable {
        private let list: Mutex<[String]>
        init(_ first: String) { list = Mutex([first]) }
        var ids: [String] { list.withLock { $0 } }
        func add(_ id: String) { list.withLock { $0.append(id) } }
        func id(_ index: Int) -> String { list.withLock { $0[index % $0.count] } }
    }

    /// The gateway's routes, as the benchmark calls them.
    struct Gateway: Sendable {
        let base: String
        let key: String
        let model: String

        /// The gateway `--server` and `--api-key` name.
        init(_ connection: ClientOptions, model: String) throws {
            let client = try connection.client()
            let base = client.baseURL.absoluteString
            self.base = base.hasSuffix("/") ? String(base.dropLast()) : base
            self.key = client.apiKey
            self.model = model
        }

        func request(_ path: String, post: Bool = false, body: ByteBuffer? = nil) -> HTTPClientRequest {
            var request = HTTPClientRequest(url: base + path)
            if post { request.method = .POST }
            request.headers.add(name: "x-api-key", value: key)
            if let body {
                request.headers.add(name: "content-type", value: "application/json")
                request.body = .bytes(body)
            }
            return request
        }

        /// Submits; the request id.
        func submit(_ body: ByteBuffer, http: HTTPClient) async throws -> String {
            let response = try await http.execute(request("/v2/\(model)", post: true, body: body), timeout: .seconds(60))
            let bytes = try await response.body.collect(upTo: 1 << 20)
            let answer = try JSONSerialization.jsonObject(with: Data(buffer: bytes)) as? [String: Any]
            guard response.status == .ok, let id = answer?["request_id"] as? String else {
                throw ValidationError("submit answered \(response.status.code): \(String(buffer: bytes))")
            }
            return id
        }

        /// Whether a GET of `path` answered 200 (or 422: a FAILED job's documented answer).
        func get(_ path: String, http: HTTPClient) async -> Bool {
            guard let response = try? await http.execute(request(path), timeout: .seconds(60)) else { return false }
            _ = try? await response.body.collect(upTo: 1 << 20)
            return response.status == .ok || response.status.code == 422
        }

        /// The job's status word.
        func status(_ id: String, http: HTTPClient) async throws -> String {
            let response = try await http.execute(request("/v2/requests/\(id)/status"), timeout: .seconds(60))
            let bytes = try await response.body.collect(upTo: 1 << 20)
            let answer = try JSONSerialization.jsonObject(with: Data(buffer: bytes)) as? [String: Any]
            return answer?["status"] as? String ?? "HTTP \(response.status.code)"
        }

        /// Seconds for one `POST /v1/{model}` of `picture` (base64) to answer with its video.
        func runSync(prompt: String, picture: String, duration: Int, audio: Bool, http: HTTPClient) async throws -> Double {
            let json: [String: Any] = [
                "prompt": prompt, "start_image_url": picture, "duration": String(duration), "generate_audio": audio,
            ]
            let body = ByteBuffer(data: try JSONSerialization.data(withJSONObject: json))
            let start = ContinuousClock.now
            let response = try await http.execute(request("/v1/\(model)", post: true, body: body), timeout: .seconds(600))
            let bytes = try await response.body.collect(upTo: 1 << 30)
            guard response.status == .ok else {
                throw ValidationError("POST /v1/\(model) answered \(response.status.code): \(String(buffer: bytes).prefix(300))")
            }
            return (ContinuousClock.now - start).inSeconds
        }

        func cancel(_ id: String, http: HTTPClient) async {
            if let response = try? await http.execute(request("/v2/requests/\(id)/cancel", post: true), timeout: .seconds(60)) {
                _ = try? await response.body.collect(upTo: 1 << 20)
            }
        }
    }
}
