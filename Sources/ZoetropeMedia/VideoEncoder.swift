import Foundation
import ZoetropeCore

#if canImport(Glibc)
import Glibc
#endif

/// Encoder settings shared by the engine and the benchmark.
public struct EncoderSettings: Sendable, Equatable {
    public var preset: String
    public var crf: Int
    public var audioBitrate: String
    /// x264 frame threads; one per core keeps every core busy without extra frames in flight.
    public var threads: Int
    /// x264 rate-control lookahead in frames: 4 instead of the preset's 10 saves about 60 MB at
    /// 1080p (each frame in flight costs several MB) for a barely measurable size difference.
    public var lookahead: Int

    public init(
        preset: String = "veryfast", crf: Int = 20, audioBitrate: String = "192k",
        threads: Int = ProcessInfo.processInfo.activeProcessorCount, lookahead: Int = 4
    ) {
        self.preset = preset
        self.crf = crf
        self.audioBitrate = audioBitrate
        self.threads = max(1, threads)
        self.lookahead = lookahead
    }

    /// The video encoder arguments, shared by the engine and the benchmark's ffmpeg peers.
    public var x264Arguments: [String] {
        ["-c:v", "libx264", "-preset", preset, "-crf", String(crf), "-profile:v", "high", "-pix_fmt", "yuv420p",
         "-threads", String(threads), "-x264-params", "rc-lookahead=\(lookahead)"]
    }
}

/// Streams raw `yuv420p` frames into an ffmpeg subprocess that writes an MP4: H.264 High,
/// 24 fps, BT.709, `+faststart`, with an optional AAC-LC 48 kHz track muxed from a WAV file.
/// Frames go through a pipe; none touch the disk.
public final class VideoEncoder {
    public let width: Int
    public let height: Int
    public let output: URL
    private let process: Process
    private let input: FileHandle
    private let errors: DrainedPipe
    private var finished = false

    /// `keyframes`: frame indices that must be key frames (IDR: a decoder can start there), such
    /// as each shot's first, so a cut opens on a whole picture rather than on a prediction from
    /// the shot before.
    public init(
        width: Int, height: Int, frameRate: Int = GenerationRequest.framesPerSecond, audio: URL?, output: URL,
        keyframes: [Int] = [], settings: EncoderSettings = EncoderSettings()
    ) throws {
        signal(SIGPIPE, SIG_IGN)
        self.width = width
        self.height = height
        self.output = output
        var arguments = [
            "-hide_banner", "-loglevel", "error", "-y",
            "-f", "rawvideo", "-pix_fmt", "yuv420p", "-video_size", "\(width)x\(height)",
            "-framerate", String(frameRate), "-i", "pipe:0",
        ]
        if let audio { arguments += ["-i", audio.path] }
        arguments += ["-map", "0:v:0"]
        if audio != nil { arguments += ["-map", "1:a:0"] }
        arguments += settings.x264Arguments
        arguments += [
            "-r", String(frameRate),
            "-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709", "-color_range", "tv",
        ]
        let cuts = keyframes.filter { $0 > 0 }.sorted()
        if !cuts.isEmpty {
            arguments += [
                // Half a frame early: the frame forced is the first at or after the time, so the
                // time's rounding in any ffmpeg version cannot move it to the next frame.
                "-force_key_frames",
                cuts.map { String(format: "%.6f", (Double($0) - 0.5) / Double(frameRate)) }.joined(separator: ","),
                "-forced-idr", "1",
            ]
        }
        if audio != nil {
            arguments += ["-c:a", "aac", "-profile:a", "aac_low", "-b:a", settings.audioBitrate, "-ar", "48000"]
        }
        arguments += ["-movflags", "+faststart", "-f", "mp4", output.path]

        let launched = try ProcessRunner.launch("ffmpeg", arguments, stdin: true, stdout: false)
        process = launched.process
        input = launched.stdin!
        errors = DrainedPipe(launched.stderr)
        // A larger pipe (1 MiB, the usual unprivileged maximum) lets rendering run further ahead
        // of ffmpeg's reads; the default is 64 KiB. Failure only costs some overlap.
        _ = fcntl(input.fileDescriptor, 1031 /* F_SETPIPE_SZ */, 1 << 20)
    }

    deinit {
        if !finished { cancel() }
    }

    /// Sends one frame. Blocks while ffmpeg catches up.
    public func write(_ frame: PlanarImage) throws {
        precondition(frame.width == width && frame.height == height, "frame size changed mid-stream")
        try writeAll(frame.y)
        try writeAll(frame.u)
        try writeAll(frame.v)
    }

    private func writeAll(_ bytes: [UInt8]) throws {
        let descriptor = input.fileDescriptor
        try bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw RenderError("the video encoder stopped accepting frames: \(finishWithError())")
                }
                offset += written
            }
        }
    }

    /// Closes the stream and waits for ffmpeg; throws with ffmpeg's message if it failed.
    public func finish() throws {
        try? input.close()
        process.waitUntilExit()
        finished = true
        let stderr = errors.wait()
        // At `-loglevel error` a clean run prints nothing. ffmpeg exits 0 after some failures to
        // finish the file ("Error closing file …: No space left on device"), leaving it without its
        // index: any error line fails the encode, so a broken file is never kept.
        guard process.terminationStatus == 0, stderr.isEmpty else {
            try? FileManager.default.removeItem(at: output)
            let message = Self.reason(stderr).map { ToolMessage.clientSafe($0) }
            throw RenderError("video encoding failed: \(message ?? "ffmpeg exited with status \(process.terminationStatus)")")
        }
    }

    private func finishWithError() -> String {
        try? input.close()
        process.waitUntilExit()
        finished = true
        let stderr = errors.wait()
        try? FileManager.default.removeItem(at: output)
        return Self.reason(stderr).map { ToolMessage.clientSafe($0) } ?? "ffmpeg exited"
    }

    /// The line of ffmpeg's errors that says why: the one naming a full disk when there is one
    /// (ffmpeg's last line is then often a consequence, "Error initializing output stream"),
    /// else the last.
    static func reason(_ stderr: Data) -> String? {
        let lines = String(decoding: stderr, as: UTF8.self).split(whereSeparator: \.isNewline).map(String.init)
        return lines.last { $0.localizedCaseInsensitiveContains("no space left") } ?? lines.last
    }

    /// Stops ffmpeg at once and removes the partial output.
    public func cancel() {
        guard !finished else { return }
        finished = true
        if process.isRunning { process.terminate() }
        try? input.close()
        process.waitUntilExit()
        _ = errors.wait()
        try? FileManager.default.removeItem(at: output)
    }
}
