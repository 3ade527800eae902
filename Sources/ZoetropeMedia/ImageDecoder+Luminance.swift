import Foundation
import ZoetropeCore

extension ImageDecoder {
    /// The whole picture of `file` (its first video stream) as a `side`×`side` grid of
    /// luminance values, row by row: averaged over areas, the aspect ratio not kept, for
    /// perceptual hashing.
    public func luminanceGrid(_ file: URL, field: String, side: Int) throws -> [UInt8] {
        _ = try probe(file, field: field)
        let output = try ProcessRunner.runBlocking(
            "ffmpeg",
            ["-hide_banner", "-nostdin", "-v", "error", "-max_pixels", String(maxPixels), "-i", file.path,
             "-map", "0:v:0", "-frames:v", "1", "-vf", "scale=\(side):\(side):flags=area,format=gray",
             "-f", "rawvideo", "-pix_fmt", "gray", "pipe:1"])
        guard output.status == 0, output.stdout.count == side * side else {
            let reason = output.lastErrorLine.isEmpty ? "ffmpeg produced no picture" : output.lastErrorLine(hiding: file)
            throw RenderError("\(field): the image could not be decoded (\(reason))")
        }
        return [UInt8](output.stdout)
    }
}
