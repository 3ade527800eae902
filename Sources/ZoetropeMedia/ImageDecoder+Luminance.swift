import Foundation
import ZoetropeCore

extension ImageDecoder {
    /// The whole picture of `file` (its first video stream) as a `side`×`side` grid of
    /// luminance values, row by row: averaged over areas, the aspect ratio not kept, for
    /// perceptual hashing.
    public func luminanceGrid(_ file: URL, field: String, side: Int) throws -> [UInt8] {
        let bytes = try firstPicture(file, field: field, filter: "scale=\(side):\(side):flags=area,format=gray", pixelFormat: "gray")
        guard bytes.count == side * side else {
            throw RenderError("\(field): the image could not be decoded (ffmpeg produced no picture)")
        }
        return bytes
    }
}
