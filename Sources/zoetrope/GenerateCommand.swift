import ArgumentParser
import Foundation
import ZoetropeClient

/// `zoetrope generate`: submits a video request built from flags (local images sent as data
/// URIs), follows it with live progress and saves the MP4.
struct GenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Make a video from an image and a prompt, with live progress, and save the MP4.",
        discussion: "Exit codes: 0 done, 1 failed, 2 usage or invalid parameters, 3 timed out (resume with `zoetrope wait ID`).")

    @OptionGroup var connection: ClientOptions

    @Option(help: "Start image: a local file or an http(s) URL.") var image: String
    @Option(name: .customLong("end-image"), help: "End image: a local file or an http(s) URL.") var endImage: String?
    @Option(help: "What happens (quoted text is spoken).") var prompt: String?
    @Option(help: "Seconds, 3-15 (with --shot: their sum when omitted).") var duration: Int?
    @Option(help: "16:9, 9:16 or 1:1.") var aspect: String = "16:9"
    @Option(help: "0-1: how strongly the video follows the prompt.") var cfg: Double = 0.5
    @Option(help: "What to avoid.") var negative: String?
    @Flag(name: .customLong("no-audio"), help: "No soundtrack.") var noAudio = false
    @Option(name: .customLong("shot"), help: "A shot's prompt (repeat for multi-shot).") var shots: [String] = []
    @Option(name: .customLong("shot-duration"), help: "Seconds of the matching --shot (default 5).")
    var shotDurations: [Int] = []
    @Option(name: .customLong("voice"), help: "A voice id for <<<voice_N>>> (repeat, at most 2).") var voices: [String] = []
    @Option(name: [.short, .customLong("output")], help: "Where to save the MP4.") var output: String
    @Option(help: "Seconds to wait before giving up (the job goes on).") var timeout: Double = 1800
    @Option(help: "Seconds between status polls.") var interval: Double = 1

    func validate() throws {
        guard let aspect = KlingImageToVideo.AspectRatio(rawValue: aspect) else {
            throw ValidationError("--aspect must be 16:9, 9:16 or 1:1, got \(self.aspect)")
        }
        _ = aspect
        guard prompt != nil || !shots.isEmpty else { throw ValidationError("give --prompt or at least one --shot") }
        guard shotDurations.count <= shots.count else {
            throw ValidationError("\(shotDurations.count) --shot-duration values for \(shots.count) --shot prompts")
        }
        guard voices.count <= 2 else { throw ValidationError("at most 2 --voice ids") }
        guard timeout > 0, interval > 0 else { throw ValidationError("--timeout and --interval must be positive") }
    }

    func run() async throws {
        let client = try connection.client()
        let request = KlingImageToVideo(
            prompt: prompt, startImageURL: try Self.input(image, flag: "--image"),
            endImageURL: try endImage.map { try Self.input($0, flag: "--end-image") },
            aspectRatio: KlingImageToVideo.AspectRatio(rawValue: aspect), cfgScale: cfg, duration: duration,
            negativePrompt: negative, generateAudio: !noAudio,
            multiPrompt: shots.isEmpty ? nil : shots.enumerated().map { index, prompt in
                KlingImageToVideo.Shot(prompt: prompt, duration: index < shotDurations.count ? shotDurations[index] : 5)
            },
            voiceIDs: voices.isEmpty ? nil : voices)
        let job: Job
        do {
            job = try await client.submitAsync(request)
        } catch {
            throw ClientExit.report(error, output: output)
        }
        ClientExit.printError("submitted request \(job.requestID)")
        let code = await JobFollower(client: client, output: output, timeout: timeout, interval: interval).follow(job)
        if code != .success { throw code }
    }

    /// A URL as it is; a local file as a data URI.
    static func input(_ value: String, flag: String) throws -> String {
        let lower = value.lowercased()
        if lower.hasPrefix("http://") || lower.hasPrefix("https://") || lower.hasPrefix("data:") { return value }
        let file = URL(fileURLWithPath: value)
        guard FileManager.default.isReadableFile(atPath: file.path) else {
            throw ValidationError("\(flag): no readable file at \(value)")
        }
        return try KlingImageToVideo.dataURI(contentsOf: file)
    }
}
