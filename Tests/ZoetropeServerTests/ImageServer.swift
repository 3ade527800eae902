import Foundation
import HTTPTypes
import Hummingbird
import ZoetropeMedia

/// A small HTTP server on loopback that serves test images, redirects and errors, standing in for
/// the web servers users' images live on.
struct ImageServer {
    let baseURL: String
    private let task: Task<Void, any Error>

    /// A JPEG test card made with ffmpeg.
    static func testImage(width: Int = 1280, height: Int = 960) throws -> Data {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("card-\(UUID().uuidString).jpg")
        defer { try? FileManager.default.removeItem(at: file) }
        let output = try ProcessRunner.runBlocking(
            "ffmpeg", ["-v", "error", "-f", "lavfi", "-i", "testsrc2=s=\(width)x\(height)", "-frames:v", "1", file.path])
        guard output.status == 0 else { throw TestFailure("ffmpeg could not make a test image: \(output.lastErrorLine)") }
        return try Data(contentsOf: file)
    }

    static func start() async throws -> ImageServer {
        let image = try testImage()
        let router = Router()
        router.get("/card.jpg") { _, _ in
            Response(status: .ok, headers: [.contentType: "image/jpeg"], body: .init(byteBuffer: ByteBuffer(data: image)))
        }
        router.get("/redirect") { _, _ in
            Response(status: .found, headers: [.location: "/card.jpg"])
        }
        router.get("/missing.jpg") { _, _ in Response(status: .notFound) }
        // Answers at once, then drips the image one byte a second, as a hostile server would.
        router.get("/drip.jpg") { _, _ in
            Response(status: .ok, headers: [.contentType: "image/jpeg"], body: ResponseBody { writer in
                for byte in image {
                    try await writer.write(ByteBuffer(bytes: [byte]))
                    try await Task.sleep(for: .seconds(1))
                }
                try await writer.finish(nil)
            })
        }
        // A PNG signature and a broken first chunk: ffmpeg's complaint names its decoder's address.
        router.get("/broken.png") { _, _ in
            var bytes: [UInt8] = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]
            bytes += Array("IHDR".utf8) + [UInt8](repeating: 0xff, count: 64)
            return Response(status: .ok, headers: [.contentType: "image/png"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        router.get("/not-an-image.jpg") { _, _ in
            Response(status: .ok, headers: [.contentType: "image/jpeg"], body: .init(byteBuffer: ByteBuffer(string: "hello")))
        }
        let (port, task) = try await LoopbackServer.start(router, label: "image-server")
        return ImageServer(baseURL: "http://127.0.0.1:\(port)", task: task)
    }

    func stop() async {
        task.cancel()
        _ = try? await task.value
    }
}
