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

    /// The width and height of the first picture in `file`, or a `RenderError` naming `field`.
    public func probe(_ file: URL, field: String) throws -> (width: Int, height: Int) {
        let output = try ProcessRunner.runBlocking(
            "ffprobe",
            ["-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height", "-of", "csv=p=0",
             file.path])
        let text = String(decoding: output.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let parts = text.split(separator: "\n").first?.split(separator: ",").compactMap { Int($0) } ?? []
        guard output.status == 0, parts.count == 2, parts[0] > 0, parts[1] > 0 else {
            let reason = output.lastErrorLine.isEmpty ? "no picture found" : output.lastErrorLine(hiding: file)
            throw RenderError("\(field): the file is not a decodable image (\(reason))")
        }
        return (parts[0], parts[1])
    }

    /// Decodes `file`, cover-cropped to `width` × `height`.
    public func decode(_ file: URL, field: String, width: Int, height: Int) throws -> PlanarImage {
        let size = try probe(file, field: field)
        guard size.width <= maxDimension, size.height <= maxDimension, size.width * size.height <= maxPixels else {
            throw RenderError(
                "\(field): the image is \(size.width)×\(size.height) pixels; at most \(maxDimension) per side and \(maxPixels / 1_000_000) megapixels are allowed")
        }
        let filter =
            "scale=\(width):\(height):force_original_aspect_ratio=increase:flags=lanczos+accurate_rnd+full_chroma_int"
            + ":out_color_matrix=bt709:out_range=tv,crop=\(width):\(height),format=yuv420p"
        let output = try ProcessRunner.runBlocking(
            "ffmpeg",
            ["-hide_banner", "-nostdin", "-v", "error", "-max_pixels", String(maxPixels), "-i", file.path,
             "-frames:v", "1", "-vf", filter, "-f", "rawvideo", "-pix_fmt", "yuv420p", "pipe:1"])
        guard output.status == 0,
            let image = PlanarImage(yuv420p: [UInt8](output.stdout), width: width, height: height)
        else {
            let reason = output.lastErrorLine.isEmpty ? "ffmpeg produced no picture" : output.lastErrorLine(hiding: file)
            throw RenderError("\(field): the image could not be decoded (\(reason))")
        }
        return image
    }
}
