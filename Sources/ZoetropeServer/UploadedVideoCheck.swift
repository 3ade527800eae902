import Foundation
import ZoetropeCore
import ZoetropeMedia

/// Decides whether the video a remote worker uploaded is the one its job asked for, before the job
/// may end COMPLETED: within the upload cap, a decodable MP4 holding one H.264 stream of the
/// requested size and exact frame count, and one AAC track exactly when audio was asked for.
/// A refusal names what is wrong, fit for the worker and, after the last attempt, the client.
public struct UploadedVideoCheck: Sendable {
    /// The largest upload accepted, in bytes (`--max-upload-size`).
    public let maxBytes: Int
    /// Whether any picture size passes (`--any-video-size`: tests whose worker renders scaled down).
    public let acceptsAnySize: Bool

    public init(maxBytes: Int, acceptsAnySize: Bool = false) {
        self.maxBytes = maxBytes
        self.acceptsAnySize = acceptsAnySize
    }

    /// Why the blob under `key`, of `byteCount` bytes, is not the video `request` asked for; nil
    /// when it is, after storing the PNG of its last frame under `BlobKey.lastFrame(ofOutput: key)`.
    /// Throws only when the blob cannot be read.
    public func problem(withUpload key: String, byteCount: Int, in blobs: any BlobStore, for request: GenerationRequest)
        async throws -> String?
    {
        guard byteCount <= maxBytes else {
            return "the worker's upload is \(byteCount) bytes; at most \(maxBytes) bytes are accepted"
        }
        let file = try blobs.temporaryFile(for: key)
        defer { try? FileManager.default.removeItem(at: file) }
        try await blobs.download(key: key, to: file)
        if let problem = try await problem(with: file, for: request) { return problem }
        let lastFrame = try await ProcessRunner.onDedicatedThread { try LastFrame.png(of: file) }
        try await blobs.put(lastFrame, key: BlobKey.lastFrame(ofOutput: key))
        return nil
    }

    /// Why `file` is not the video `request` asked for; nil when it is. The container, streams and
    /// size are read first; only a file that passes them is decoded to its end to count its frames.
    public func problem(with file: URL, for request: GenerationRequest) async throws -> String? {
        try await ProcessRunner.onDedicatedThread {
            let header: MediaProbe
            do {
                header = try MediaProbe.probe(file, countingFrames: false)
            } catch let error as RenderError {
                return "the worker's upload is not a playable MP4: \(error.message)"
            }
            if let problem = streamProblem(in: header, for: request) { return problem }
            let decoded: MediaProbe
            do {
                decoded = try MediaProbe.probe(file, countingFrames: true)
            } catch let error as RenderError {
                return "the worker's upload is not a playable MP4: \(error.message)"
            }
            let frames = decoded.video?.frameCount ?? 0
            guard frames == request.frameCount else {
                return "the worker's upload has \(frames) frames; \(request.frameCount) were asked for"
            }
            return nil
        }
    }

    /// What is wrong with the container and streams `probe` read, before any frame is decoded.
    private func streamProblem(in probe: MediaProbe, for request: GenerationRequest) -> String? {
        guard probe.formatName.split(separator: ",").contains("mp4") else {
            return "the worker's upload is not a playable MP4: its container is '\(probe.formatName)'"
        }
        let videos = probe.streams.filter { $0.codecType == "video" }
        guard videos.count == 1, let video = videos.first else {
            return "the worker's upload has \(videos.count) video streams; one H.264 stream was asked for"
        }
        guard video.codecName == "h264" else {
            return "the worker's upload's video is \(video.codecName); H.264 was asked for"
        }
        let size = request.aspectRatio.size
        let width = video.width ?? 0, height = video.height ?? 0
        guard acceptsAnySize || (width == size.width && height == size.height) else {
            return "the worker's upload is \(width)×\(height); \(size.width)×\(size.height) was asked for"
        }
        let audio = probe.streams.filter { $0.codecType == "audio" }
        if !request.generateAudio {
            return audio.isEmpty ? nil : "the worker's upload has an audio track; generate_audio was false"
        }
        guard let track = audio.first else {
            return "the worker's upload has no AAC audio track; audio was asked for"
        }
        guard audio.count == 1 else {
            return "the worker's upload has \(audio.count) audio tracks; one AAC track was asked for"
        }
        guard track.codecName == "aac" else {
            return "the worker's upload has no AAC audio track (its audio is \(track.codecName)); audio was asked for"
        }
        return nil
    }
}
