import Foundation

/// Shrinks a picture by averaging the source area under each output pixel (ffmpeg's `area`),
/// in fixed point, plane by plane: the in-between levels of a `SourcePyramid`, made from a level
/// ffmpeg decoded rather than by another decode. Both edges stay aligned, so the level shows the
/// same window of the picture.
public enum AreaScaler {
    /// `image` shrunk (or kept) to `width`×`height`, each no larger than the image's.
    public static func scale(_ image: PlanarImage, width: Int, height: Int) -> PlanarImage {
        precondition(width <= image.width && height <= image.height)
        var output = PlanarImage(width: width, height: height)
        output.y = scale(image.y, image.width, image.height, to: width, height)
        output.u = scale(image.u, image.chromaWidth, image.chromaHeight, to: output.chromaWidth, output.chromaHeight)
        output.v = scale(image.v, image.chromaWidth, image.chromaHeight, to: output.chromaWidth, output.chromaHeight)
        return output
    }

    /// For each of `count` outputs along an axis of `source` values: the first source index and
    /// the weights (sum 1 << 14) of the source values its span covers.
    static func spans(source: Int, count: Int) -> [(first: Int, weights: [Int32])] {
        let ratio = Double(source) / Double(count)
        return (0..<count).map { index in
            let start = Double(index) * ratio, end = min(Double(index + 1) * ratio, Double(source))
            let first = Int(start), last = min(Int((end - 1e-9).rounded(.down)), source - 1)
            var weights = (first...last).map { k in
                Int32(((min(end, Double(k + 1)) - max(start, Double(k))) / ratio * 16384).rounded())
            }
            weights[weights.indices.max { weights[$0] < weights[$1] }!] += 16384 - weights.reduce(0, +)
            return (first, weights)
        }
    }

    static func scale(_ plane: [UInt8], _ sourceWidth: Int, _ sourceHeight: Int, to width: Int, _ height: Int) -> [UInt8] {
        let columns = spans(source: sourceWidth, count: width)
        let rows = spans(source: sourceHeight, count: height)
        // Along rows first (into 1/64 units), then down columns.
        var across = [Int32](repeating: 0, count: width * sourceHeight)
        plane.withUnsafeBufferPointer { source in
            for y in 0..<sourceHeight {
                let row = y * sourceWidth, out = y * width
                for (x, span) in columns.enumerated() {
                    var sum: Int32 = 0
                    for (k, weight) in span.weights.enumerated() { sum += weight * Int32(source[row + span.first + k]) }
                    across[out + x] = (sum + 128) >> 8
                }
            }
        }
        var output = [UInt8](repeating: 0, count: width * height)
        for (y, span) in rows.enumerated() {
            let out = y * width
            for x in 0..<width {
                var sum: Int32 = 0
                for (k, weight) in span.weights.enumerated() { sum += weight * across[(span.first + k) * width + x] }
                output[out + x] = UInt8(clamping: (sum + (1 << 19)) >> 20)
            }
        }
        return output
    }
}
