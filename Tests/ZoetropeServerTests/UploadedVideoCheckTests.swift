import Foundation
import Testing
import ZoetropeCore
import ZoetropeServer
import ZoetropeStore

/// What a worker's upload must be before its job completes, decided on real files made with ffmpeg:
/// the video asked for passes; a wrong size, frame count or audio track, a picture, a truncated
/// or garbled file, and an upload over the cap are each refused naming what is wrong.
struct UploadedVideoCheckTests {
    static let check = UploadedVideoCheck(maxBytes: 8 << 20)
    static let notPlayable = "the worker's upload is not a playable MP4: "

    static func request(_ aspectRatio: GenerationRequest.AspectRatio = .landscape, audio: Bool = true) -> GenerationRequest {
        GenerationRequest(
            prompt: "a push in", startImage: .stored("input-1.bin"), aspectRatio: aspectRatio, duration: 3, generateAudio: audio)
    }

    /// The check's verdict on `data` as the upload for `request`.
    static func problem(_ data: Data, for request: GenerationRequest = request(), check: UploadedVideoCheck = check)
        async throws -> String?
    {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("upload-\(UUID().uuidString).mp4")
        try data.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        return try await check.problem(with: file, for: request)
    }

    @Test func theVideoAskedForPasses() async throws {
        #expect(try await Self.problem(try await TestVideo.mp4()) == nil)
        #expect(try await Self.problem(
            try await TestVideo.mp4(width: 1080, height: 1080, audio: false), for: Self.request(.square, audio: false)) == nil)
    }

    @Test func aWrongSizeIsRefusedUnlessAnySizeIsAccepted() async throws {
        let small = try await TestVideo.mp4(width: 640, height: 360)
        #expect(try await Self.problem(small) == "the worker's upload is 640×360; 1920×1080 was asked for")
        let portrait = try await Self.problem(try await TestVideo.mp4(), for: Self.request(.portrait))
        #expect(portrait == "the worker's upload is 1920×1080; 1080×1920 was asked for")
        #expect(try await Self.problem(small, check: UploadedVideoCheck(maxBytes: 8 << 20, acceptsAnySize: true)) == nil)
    }

    @Test func aWrongFrameCountIsRefused() async throws {
        #expect(try await Self.problem(try await TestVideo.mp4(frames: 48)) == "the worker's upload has 48 frames; 72 were asked for")
        #expect(try await Self.problem(try await TestVideo.mp4(frames: 73)) == "the worker's upload has 73 frames; 72 were asked for")
    }

    @Test func theAudioTrackMustBeThereExactlyWhenAskedFor() async throws {
        let silent = try await TestVideo.mp4(audio: false)
        #expect(try await Self.problem(silent) == "the worker's upload has no AAC audio track; audio was asked for")
        let withAudio = try await Self.problem(try await TestVideo.mp4(), for: Self.request(audio: false))
        #expect(withAudio == "the worker's upload has an audio track; generate_audio was false")
    }

    @Test func whatIsNotAnMP4IsRefusedWithTheReason() async throws {
        let png = try await Self.problem(try await TestVideo.png())
        #expect(png == Self.notPlayable + "its container is 'png_pipe'")
        let video = try await TestVideo.mp4()
        // Its header (moov first) is whole, but its frames run out: only decoding finds out.
        let truncated = try #require(try await Self.problem(video.prefix(video.count / 2)))
        #expect(truncated.hasPrefix(Self.notPlayable) && truncated.contains("partial file"), "\(truncated)")
        let headless = try #require(try await Self.problem(video.prefix(600)))
        #expect(headless.hasPrefix(Self.notPlayable), "\(headless)")
        let garbled = try #require(try await Self.problem(Data("not really an mp4".utf8)))
        #expect(garbled.hasPrefix(Self.notPlayable) && !garbled.contains("/"), "\(garbled)")
    }

    @Test func anUploadIsReadFromItsStoreAndCappedBeforeItIsRead() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("uploads-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let blobs = try LocalBlobStore(root: root, signer: URLSigner(secret: Data("k".utf8)), publicBase: { "" })
        let video = try await TestVideo.mp4()
        try await blobs.put(video, key: "job-1.mp4")
        let size = try #require(await blobs.size(key: "job-1.mp4"))
        #expect(size == video.count)
        #expect(try await Self.check.problem(withUpload: "job-1.mp4", byteCount: size, in: blobs, for: Self.request()) == nil)
        let capped = UploadedVideoCheck(maxBytes: size - 1)
        let over = try await capped.problem(withUpload: "job-1.mp4", byteCount: size, in: blobs, for: Self.request())
        #expect(over == "the worker's upload is \(size) bytes; at most \(size - 1) bytes are accepted")
        // Nothing is left behind in the store's scratch space.
        let partial = (try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(".partial").path)) ?? []
        #expect(partial.isEmpty, "\(partial)")
    }
}
