import ArgumentParser
import AsyncHTTPClient
import Foundation
import ZoetropeCore
import ZoetropeMedia

#if canImport(Glibc)
import Glibc
#endif

/// `zoetrope bench`: times the built-in engine against ffmpeg on the same machine, in one run.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmark render+encode of 1080p clips against ffmpeg (use a release build).")

    @Option(help: "Seconds of video for the timed comparison.") var duration = 5
    @Option(help: "Seconds of video for the peak-memory run.") var longDuration = 15
    @Option(help: "Repetitions of each timed run; the best is reported.") var repeats = 2
    @Option(help: "An image to animate instead of the bundled test picture.") var image: String?

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
        print("input: \(still.lastPathComponent); best of \(repeats)")
        print("")

        let x264 = settings.x264Arguments + ["-movflags", "+faststart"]
        // The long clip first, so the peaks below are this job's own (the process and its ffmpeg).
        let longStart = ContinuousClock.now
        _ = try await Self.render(still: still, duration: longDuration, in: work, settings: settings)
        let longSeconds = Self.seconds(ContinuousClock.now - longStart)
        let longSelf = Self.peakResidentMB(who: RUSAGE_SELF)
        let longChild = Self.peakResidentMB(who: RUSAGE_CHILDREN)

        let floor = try best(of: repeats) {
            try Self.ffmpeg(["-loop", "1", "-framerate", "24", "-i", still.path, "-vf",
                             "scale=1920:1080:force_original_aspect_ratio=increase,crop=1920:1080,format=yuv420p",
                             "-frames:v", String(frames)] + x264 + [work.appendingPathComponent("floor.mp4").path])
        }
        let zoompan = try best(of: repeats) {
            try Self.ffmpeg(["-i", still.path, "-vf",
                             "scale=1920:1080:force_original_aspect_ratio=increase,crop=1920:1080,"
                             + "zoompan=z='1+0.17*on/\(frames - 1)':x='iw/2-(iw/zoom/2)':y='ih/2-(ih/zoom/2)'"
                             + ":d=\(frames):s=1920x1080:fps=24,format=yuv420p",
                             "-frames:v", String(frames)] + x264 + [work.appendingPathComponent("zoompan.mp4").path])
        }
        let zoetrope = try await bestAsync(of: repeats) {
            try await Self.render(still: still, duration: duration, in: work, settings: settings)
        }
        let renderOnly = try best(of: repeats) { try Self.renderOnly(still: still, frames: frames) }

        func row(_ name: String, _ seconds: Double) {
            let fps = Double(frames) / seconds
            print(name.padding(toLength: 34, withPad: " ", startingAt: 0)
                  + String(format: "%7.2f s  %6.1f fps  %5.2f× floor", seconds, fps, seconds / floor))
        }
        row("encode-only floor (ffmpeg, still)", floor)
        row("ffmpeg zoompan push-in", zoompan)
        row("zoetrope render+encode (push-in)", zoetrope)
        row("zoetrope render only (no encode)", renderOnly)
        print(String(format: "zoetrope vs zoompan: %.2f× the time (%.2f× faster)", zoetrope / zoompan, zoompan / zoetrope))
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
            fetcher: ImageFetcher(httpClient: HTTPClient.shared, allowPrivateInputs: false), settings: settings)
        let output = work.appendingPathComponent("zoetrope-\(duration).mp4")
        let start = ContinuousClock.now
        try await engine.render(request, context: RenderContext(
            jobID: "bench", inputDirectory: input, outputFile: output, progress: { _ in }))
        return seconds(ContinuousClock.now - start)
    }

    /// The frames of the default plan rendered and dropped: the renderer's own cost.
    static func renderOnly(still: URL, frames: Int) throws -> Double {
        let plan = CameraPlan.reading(prompt: "a scene", frameCount: frames, cfgScale: 0.5, aspect: 16.0 / 9)
        let size = plan.sourceSize(width: 1920, height: 1080)
        let source = try ImageDecoder().decode(still, field: "bench", width: size.width, height: size.height)
        var frame = PlanarImage(width: 1920, height: 1080)
        let renderer = FrameRenderer()
        let start = ContinuousClock.now
        for index in 0..<frames { renderer.render(source, view: plan.view(at: index), into: &frame) }
        return seconds(ContinuousClock.now - start)
    }

    static func ffmpeg(_ arguments: [String]) throws -> Double {
        let start = ContinuousClock.now
        let output = try ProcessRunner.runBlocking("ffmpeg", ["-hide_banner", "-loglevel", "error", "-y"] + arguments)
        guard output.status == 0 else { throw ValidationError("ffmpeg failed: \(output.lastErrorLine)") }
        return seconds(ContinuousClock.now - start)
    }

    func best(of count: Int, _ body: () throws -> Double) throws -> Double {
        var best = Double.infinity
        for _ in 0..<max(1, count) { best = min(best, try body()) }
        return best
    }

    func bestAsync(of count: Int, _ body: () async throws -> Double) async throws -> Double {
        var best = Double.infinity
        for _ in 0..<max(1, count) { best = min(best, try await body()) }
        return best
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
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
