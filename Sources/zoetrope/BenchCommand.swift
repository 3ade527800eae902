import ArgumentParser
import AsyncHTTPClient
import Foundation
import ZoetropeCore
import ZoetropeMedia
import ZoetropeOutbound

#if canImport(Glibc)
import Glibc
#endif

/// `zoetrope bench`: the benchmarks, `render` (the default), `queue` and `api`.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Benchmarks (use a release build).",
        subcommands: [RenderBenchCommand.self, QueueBenchCommand.self, APIBenchCommand.self],
        defaultSubcommand: RenderBenchCommand.self)
}

/// `zoetrope bench [render]`: times the built-in engine against ffmpeg on the same machine, in one run.
struct RenderBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Benchmark render+encode of 1080p clips against ffmpeg (use a release build).")

    @Option(help: "Seconds of video for the timed comparison.") var duration = 5
    @Option(help: "Seconds of video for the peak-memory run.") var longDuration = 15
    @Option(help: "Rounds of the timed runs (each round runs every row once); the best is reported.") var repeats = 3
    @Option(help: "An image to animate instead of the bundled test picture.") var image: String?
    @Flag(help: "Time only the renderer (no encoder, no ffmpeg rows): a quick check while working on it.")
    var renderOnly = false
    @Flag(help: "Also time the same clip through a running gateway's `POST /v1/{model}` (--server, --api-key), audio off and on.")
    var throughAPI = false
    @OptionGroup var connection: ClientOptions

    func run() async throws {
        _ = try MediaTools.check()
        #if DEBUG
        print("warning: this is a debug build; run `swift run -c release zoetrope bench` for real figures")
        #endif
        guard let bundled = Bundle.module.url(forResource: "bench-still", withExtension: "jpg") else {
            throw ValidationError("the bundled test picture is missing")
        }
        let still = image.map { URL(fileURLWithPath: $0) } ?? bundled
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("zoetrope-bench-\(getpid())")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let frames = duration * GenerationRequest.framesPerSecond
        let settings = EncoderSettings()

        print("machine: \(Self.cpuModel()), \(ProcessInfo.processInfo.activeProcessorCount) cores")
        print("clip: \(duration) s, 1920x1080, \(frames) frames, no audio; encoder: \(settings.x264Arguments.joined(separator: " "))")
        print("input: \(still.lastPathComponent); best of \(repeats) rounds")
        print("")

        // The renderer's own row works on a source decoded once, so it counts rendering alone.
        let plan = CameraPlan.reading(prompt: "a scene", frameCount: frames, cfgScale: 0.5, aspect: 16.0 / 9)
        let source = try ImageDecoder().decodePyramid(
            still, field: "bench", width: 1920, height: 1080,
            scales: SourcePyramid.scales(for: plan.zoomRange, width: 1920, height: 1080))
        if renderOnly {
            let seconds = try best(of: repeats) { Self.renderOnly(source: source, plan: plan) }
            print(String(format: "zoetrope render only (no encode)  %7.2f s  %6.1f fps", seconds, Double(frames) / seconds))
            return
        }
        let x264 = settings.x264Arguments + ["-movflags", "+faststart"]
        // The long clip first, so the peaks below are this job's own (the process and its ffmpeg).
        let longStart = ContinuousClock.now
        _ = try await Self.render(still: still, duration: longDuration, in: work, settings: settings)
        let longSeconds = (ContinuousClock.now - longStart).inSeconds
        let longSelf = Self.peakResidentMB(who: RUSAGE_SELF)
        let longChild = Self.peakResidentMB(who: RUSAGE_CHILDREN)

        // The rows take turns in every repetition, so a slow spell of a shared machine hits them
        // alike; each row reports its best wall time and its least CPU time (user + system, this
        // process and its ffmpeg children).
        var rows: [(name: String, run: () async throws -> Double)] = [
            ("encode-only floor (ffmpeg, still)", {
                try Self.ffmpeg(["-loop", "1", "-framerate", "24", "-i", still.path, "-vf",
                                 "scale=1920:1080:force_original_aspect_ratio=increase,crop=1920:1080,format=yuv420p",
                                 "-frames:v", String(frames)] + x264 + [work.appendingPathComponent("floor.mp4").path])
            }),
            ("ffmpeg zoompan push-in", {
                try Self.ffmpeg(["-i", still.path, "-vf",
                                 "scale=1920:1080:force_original_aspect_ratio=increase,crop=1920:1080,"
                                 + "zoompan=z='1+0.17*on/\(frames - 1)':x='iw/2-(iw/zoom/2)':y='ih/2-(ih/zoom/2)'"
                                 + ":d=\(frames):s=1920x1080:fps=24,format=yuv420p",
                                 "-frames:v", String(frames)] + x264 + [work.appendingPathComponent("zoompan.mp4").path])
            }),
            ("zoetrope render+encode (push-in)", {
                try await Self.render(still: still, duration: duration, in: work, settings: settings)
            }),
            ("zoetrope render only (no encode)", { Self.renderOnly(source: source, plan: plan) }),
        ]
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        defer { _ = http.shutdown() }
        if throughAPI {
            let api = try APIBenchCommand.Gateway(connection, model: "kling-3-pro-image2video")
            let picture = try Data(contentsOf: still).base64EncodedString()
            for audio in [false, true] {
                rows.append(("v1 API, audio \(audio ? "on" : "off") (whole call)", {
                    try await api.runSync(
                        prompt: "slow push in", picture: picture, duration: duration, audio: audio, http: http)
                }))
            }
        }
        var wall = [Double](repeating: .infinity, count: rows.count)
        var cpu = [Double](repeating: .infinity, count: rows.count)
        for _ in 0..<max(1, repeats) {
            for (index, row) in rows.enumerated() {
                let cpuBefore = Self.cpuSeconds()
                let seconds = try await row.run()
                wall[index] = min(wall[index], seconds)
                cpu[index] = min(cpu[index], Self.cpuSeconds() - cpuBefore)
            }
        }
        print("row".padding(toLength: 34, withPad: " ", startingAt: 0) + "   wall        fps   vs floor     CPU")
        for (index, row) in rows.enumerated() {
            print(row.name.padding(toLength: 34, withPad: " ", startingAt: 0)
                  + String(format: "%7.2f s  %6.1f fps  %5.2f×  %7.2f s", wall[index], Double(frames) / wall[index],
                           wall[index] / wall[0], cpu[index]))
        }
        if throughAPI { print("(the v1 rows' CPU is this process's only: the gateway renders)") }
        print(String(format: "zoetrope vs zoompan: %.2f× the wall time (%.2f× faster), %.2f× the CPU time",
                     wall[2] / wall[1], wall[1] / wall[2], cpu[2] / cpu[1]))
        print(String(format: "%d s clip (%d frames), render+encode %.2f s: peak resident memory %.0f MB zoetrope + %.0f MB ffmpeg = %.0f MB",
                     longDuration, longDuration * 24, longSeconds, longSelf, longChild, longSelf + longChild))
    }

    /// One engine render of a default-plan clip, end to end (decode, render, encode).
    static func render(still: URL, duration: Int, in work: URL, settings: EncoderSettings) async throws -> Double {
        let input = work.appendingPathComponent("input")
        try FileManager.default.createDirectory(at: input, withIntermediateDirectories: true)
        let stored = input.appendingPathComponent("still")
        if !FileManager.default.fileExists(atPath: stored.path) {
            try FileManager.default.copyItem(at: still, to: stored)
        }
        let request = GenerationRequest(
            prompt: "slow push in", startImage: .stored("still"), duration: duration, generateAudio: false)
        let engine = MotionEngine(
            fetcher: InputFetcher(policy: OutboundPolicy()), settings: settings)
        let output = work.appendingPathComponent("zoetrope-\(duration).mp4")
        let start = ContinuousClock.now
        try await engine.render(request, context: RenderContext(
            jobID: "bench", inputDirectory: input, outputFile: output, progress: { _ in }))
        return (ContinuousClock.now - start).inSeconds
    }

    /// The frames of `plan` rendered from `source` and dropped: the renderer's own cost.
    static func renderOnly(source: SourcePyramid, plan: CameraPlan) -> Double {
        var frame = PlanarImage(width: 1920, height: 1080)
        let renderer = FrameRenderer()
        let start = ContinuousClock.now
        for index in 0..<plan.frameCount {
            let view = plan.view(at: index)
            renderer.render(source.level(forZoom: view.zoom), view: view, into: &frame)
        }
        return (ContinuousClock.now - start).inSeconds
    }

    static func ffmpeg(_ arguments: [String]) throws -> Double {
        let start = ContinuousClock.now
        let output = try ProcessRunner.runBlocking("ffmpeg", ["-hide_banner", "-loglevel", "error", "-y"] + arguments)
        guard output.status == 0 else { throw ValidationError("ffmpeg failed: \(output.lastErrorLine)") }
        return (ContinuousClock.now - start).inSeconds
    }

    func best(of count: Int, _ body: () throws -> Double) throws -> Double {
        var best = Double.infinity
        for _ in 0..<max(1, count) { best = min(best, try body()) }
        return best
    }

    /// CPU seconds (user + system) used so far by this process and its finished children.
    static func cpuSeconds() -> Double {
        func total(_ who: __rusage_who) -> Double {
            var usage = rusage()
            getrusage(__rusage_who_t(who.rawValue), &usage)
            return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
                + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
        }
        return total(RUSAGE_SELF) + total(RUSAGE_CHILDREN)
    }

    static func peakResidentMB(who: __rusage_who) -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(who.rawValue), &usage)
        return Double(usage.ru_maxrss) / 1024
    }

    static func cpuModel() -> String {
        let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let line = info.split(separator: "\n").first { $0.hasPrefix("model name") }
        return line.map { String($0.split(separator: ":", maxSplits: 1).last ?? "").trimmingCharacters(in: .whitespaces) }
            ?? "unknown CPU"
    }
}
