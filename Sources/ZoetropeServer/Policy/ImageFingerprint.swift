import Foundation
import ZoetropeCore
import ZoetropeMedia
import ZoetropePolicy

/// Perceptual hashes of image files, as the content policy compares input images with its hash
/// list: an input by the hash of the whole picture; a listed picture by the hashes of the whole
/// and of its light crops (`LuminanceGrid.cropWindows`), so cropped copies are caught too.
public enum ImageFingerprint {
    /// The file's first picture on a `LuminanceGrid`; a `RenderError` naming `field` when it is
    /// no image.
    public static func grid(of file: URL, field: String) throws -> LuminanceGrid {
        let side = LuminanceGrid.decodedSide
        let values = try ImageDecoder().luminanceGrid(file, field: field, side: side)
        return LuminanceGrid(side: side, values: values.map(Double.init))
    }

    /// The hash of the whole picture.
    public static func hash(of file: URL, field: String) throws -> PerceptualHash {
        try grid(of: file, field: field).hash()
    }

    /// The hashes a listed picture is kept with: the whole picture first, then its crops. A
    /// picture of almost one flat tone is refused: its hash would match every flat picture.
    public static func listedHashes(of file: URL, field: String) throws -> [PerceptualHash] {
        let grid = try grid(of: file, field: field)
        guard !grid.isNearlyUniform else {
            throw RenderError("\(field): the picture is almost one flat tone; its hash would match any flat picture")
        }
        return LuminanceGrid.cropWindows.map { grid.hash(of: $0) }
    }
}
