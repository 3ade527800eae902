import Foundation
import ZoetropeCore

/// Decodes an image file with ffmpeg into a `PlanarImage`, cover-cropped (scaled to fill, centre
/// cropped) to an exact size. The image's dimensions are read first and capped, so a
/// decompression bomb is refused before it is decoded.
public struct ImageDecoder: Sendable {
    /// Largest decoded image accepted, in pixels (8K × 8K).
    public var maxPixels: Int
    public var maxDimension: Int

    public init(maxPixels: Int = 64 * 1024 * 1024, maxDimension: Int = 16384) {
        self.maxPixels = maxPixels
        self.maxDimension = maxDimension
    }

    /// Most streams a file may hold (a container with thousands of streams costs the demuxer).
    public var maxStreams: Int = 16

    /// The width and height of the picture ffmpeg decodes (the file's first video stream), or a
    /// `RenderError` naming `field`. Every video stream is checked against the size caps, not only
    /// that one, so no stream of a crafted container slips past them.
    public func probe(_ file: URL, field: String) throws -> (width: Int, height: Int) {
        let output = try ProcessRunner.runBlocking(
            "ffprobe", ["-v", "error", "-show_entries", "stream=codec_type,width,height", "-of", "json", file.path])
        let streams = ((try? JSONSerialization.jsonObject(with: output.stdout)) as? [String: Any])?["streams"]
            as? [[String: Any]] ?? []
        let pictures = streams.filter { $0["codec_type"] as? String == "video" }
            .map { (width: $0["width"] as? Int ?? 0, height: $0["height"] as? Int ?? 0) }
        guard output.status == 0, let first = pictures.first, first.width > 0, first.height > 0 else {
            let reason = output.lastErrorLine.isEmpty ? "no picture found" : output.lastErrorLine(hiding: file)
            throw RenderError("\(field): the file is not a decodable image (\(reason))")
        }
        guard streams.count <= maxStreams else {
            throw RenderError("\(field): the file holds \(streams.count) streams; at most \(maxStreams) are allowed")
        }
        for size in pictures
        where size.width > maxDimension || size.height > maxDimension || size.width * size.height > maxPixels {
            throw RenderError(
                "\(field): the image is \(size.width)×\(size.height) pixels; at most \(maxDimension) per side and \(maxPixels / 1_000_000) megapixels are allowed")
        }
        return first
    }

    /// Decodes `file` (its first video stream), cover-cropped to `width` × `height`.
    public func decode(_ file: URL, field: String, width: Int, height: Int) throws -> PlanarImage {
        let filter =
            "scale=\(width):\(height):force_original_aspect_ratio=increase:flags=lanczos+accurate_rnd+full_chroma_int"
            + ":out_color_matrix=bt709:out_range=tv,crop=\(width):\(height),format=yuv420p"
        let bytes = try firstPicture(file, field: field, filter: filter, pixelFormat: "yuv420p")
        guard let image = PlanarImage(yuv420p: bytes, width: width, height: height) else {
            throw RenderError("\(field): the image could not be decoded (ffmpeg produced no picture)")
        }
        return image
    }

    /// The first picture of `file` (probed first) through an ffmpeg filter, as raw bytes of
    /// `pixelFormat`; a `RenderError` naming `field` when ffmpeg cannot make one.
    func firstPicture(_ file: URL, field: String, filter: String, pixelFormat: String) throws -> [UInt8] {
        _ = try probe(file, field: field)
        let output = try ProcessRunner.runBlocking(
            "ffmpeg",
            ["-hide_banner", "-nostdin", "-v", "error", "-max_pixels", String(maxPixels), "-i", file.path,
             "-map", "0:v:0", "-frames:v", "1", "-vf", filter, "-f", "rawvideo", "-pix_fmt", pixelFormat, "pipe:1"])
        guard output.status == 0, !output.stdout.isEmpty else {
            let reason = output.lastErrorLine.isEmpty ? "ffmpeg produced no picture" : output.lastErrorLine(hiding: file)
            throw RenderError("\(field): the image could not be decoded (\(reason))")
        }
        return [UInt8](output.stdout)
    }
}
