import Foundation

/// One picture at several sizes (cover-cropped from the original: the output size and the largest
/// by ffmpeg's Lanczos, those between shrunk from them by area averaging), about 4 % apart, so every frame of a camera move samples a level about as large as the
/// window it shows: never more than 4 % smaller than the output's pixels (no aliasing, no shimmer
/// of fine texture), never blown up past the source's own pixels within the 1.25 overscan. Level
/// 1 is the picture at exactly the output size: a frame that shows the whole picture is a copy of
/// it, pixel for pixel.
public struct SourcePyramid: Sendable {
    /// Scale of each level against the output, ascending; one of them is exactly 1.
    public let scales: [Double]
    /// The levels, in the order of `scales`.
    public let levels: [PlanarImage]

    /// Ratio between neighbouring levels.
    public static let ratio = 1.04
    /// The largest level, against the output: deeper zooms magnify it.
    public static let overscan = 1.25

    public init(scales: [Double], levels: [PlanarImage]) {
        precondition(scales.count == levels.count && !scales.isEmpty)
        self.scales = scales
        self.levels = levels
    }

    /// The level scales a camera whose zoom stays within `zooms` needs: the ladder of `ratio`
    /// powers from the first at or below the smallest zoom to the first at or above the largest
    /// (capped at `overscan`), always with 1, each made `exact` for the output size.
    public static func scales(for zooms: ClosedRange<Double>, width: Int, height: Int) -> [Double] {
        let low = Int((log(max(zooms.lowerBound, 0.05)) / log(ratio) + 1e-9).rounded(.down))
        let high = Int((log(min(max(zooms.upperBound, 1), overscan)) / log(ratio) - 1e-9).rounded(.up))
        return (min(low, 0)...max(high, 0)).map { step in
            step == 0 ? 1 : exact(min(pow(ratio, Double(step)), overscan), width: width, height: height)
        }.reduce(into: [Double]()) { if $0.last != $1 { $0.append($1) } }
    }

    /// `scale` moved to the nearest one at which a `width`×`height` output's level has even sides
    /// of exactly the output's aspect ratio (multiples of 1/gcd(width/2, height/2)), so every level
    /// shows the same window of the original and switching levels moves nothing.
    public static func exact(_ scale: Double, width: Int, height: Int) -> Double {
        var (a, b) = (width / 2, height / 2)
        while b != 0 { (a, b) = (b, a % b) }
        let unit = Double(max(a, 1))
        return max((scale * unit).rounded(), 1) / unit
    }

    /// The (even, as yuv420p needs) size of the level of `scale` for a `width`×`height` output.
    public static func size(scale: Double, width: Int, height: Int) -> (width: Int, height: Int) {
        (max(2, Int((Double(width) * scale / 2).rounded()) * 2), max(2, Int((Double(height) * scale / 2).rounded()) * 2))
    }

    /// The level to film a window of `zoom` from: the smallest at least that large (so it is
    /// minified by less than `ratio`), else the largest.
    public func level(forZoom zoom: Double) -> PlanarImage {
        levels[scales.firstIndex { $0 >= zoom - 1e-9 } ?? (levels.count - 1)]
    }

    /// The level of exactly the output size.
    public var outputSize: PlanarImage { levels[scales.firstIndex(of: 1) ?? 0] }
}
