/// A picture's luminance on a square grid (the whole picture, its aspect ratio not kept), from
/// which the perceptual hash of the whole picture or of any rectangle of it is taken.
public struct LuminanceGrid: Sendable {
    public let side: Int
    /// Row by row, `side × side` values.
    public let values: [Double]

    /// The side pictures are decoded at: fine enough to take crops of a few per cent.
    public static let decodedSide = 256

    public init(side: Int, values: [Double]) {
        precondition(values.count == side * side, "a \(side)×\(side) grid needs \(side * side) values")
        self.side = side
        self.values = values
    }

    /// One rectangle of the picture, in fractions of its width and height.
    public struct Window: Sendable, Equatable {
        public var x, y, width, height: Double
        public init(x: Double, y: Double, width: Double, height: Double) {
            self.x = x
            self.y = y
            self.width = width
            self.height = height
        }
        public static let whole = Window(x: 0, y: 0, width: 1, height: 1)
    }

    /// Whether the picture is almost one flat tone: its hash is then noise, and would match any
    /// other flat picture.
    public var isNearlyUniform: Bool {
        let mean = values.reduce(0, +) / Double(values.count)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
        return variance.squareRoot() < 2
    }

    /// The perceptual hash of a rectangle of the picture (the whole picture by default).
    public func hash(of window: Window = .whole) -> PerceptualHash {
        PerceptualHash(luminance: resampled(window, to: PerceptualHash.gridSize))
    }

    /// Crops of a few per cent from every side and corner, as copies of a picture are cropped;
    /// a listed picture is kept with the hashes of these, so its cropped copies are caught.
    public static let cropWindows: [Window] = {
        var windows: [Window] = [.whole]
        for keep in [0.95, 0.9] {
            let margin = 1 - keep
            for (x, y) in [(0.5, 0.5), (0, 0), (1, 0), (0, 1), (1, 1)] {
                windows.append(Window(x: margin * x, y: margin * y, width: keep, height: keep))
            }
            windows.append(Window(x: margin / 2, y: 0, width: keep, height: 1))
            windows.append(Window(x: 0, y: margin / 2, width: 1, height: keep))
        }
        return windows
    }()

    /// The window averaged over areas onto an `n × n` grid.
    func resampled(_ window: Window, to n: Int) -> [Double] {
        let s = Double(side)
        let x0 = window.x * s, y0 = window.y * s
        let cellWidth = window.width * s / Double(n), cellHeight = window.height * s / Double(n)
        var output = [Double](repeating: 0, count: n * n)
        for row in 0..<n {
            let top = y0 + Double(row) * cellHeight
            for column in 0..<n {
                let left = x0 + Double(column) * cellWidth
                output[row * n + column] = average(left: left, top: top, width: cellWidth, height: cellHeight)
            }
        }
        return output
    }

    /// The mean of the grid over a rectangle in grid units, each grid cell weighted by its overlap.
    private func average(left: Double, top: Double, width: Double, height: Double) -> Double {
        var sum = 0.0, weight = 0.0
        let firstRow = max(0, Int(top.rounded(.down))), lastRow = min(side - 1, Int((top + height).rounded(.up)) - 1)
        let firstColumn = max(0, Int(left.rounded(.down)))
        let lastColumn = min(side - 1, Int((left + width).rounded(.up)) - 1)
        guard firstRow <= lastRow, firstColumn <= lastColumn else { return 0 }
        for row in firstRow...lastRow {
            let overlapY = min(top + height, Double(row + 1)) - max(top, Double(row))
            guard overlapY > 0 else { continue }
            for column in firstColumn...lastColumn {
                let overlapX = min(left + width, Double(column + 1)) - max(left, Double(column))
                guard overlapX > 0 else { continue }
                sum += values[row * side + column] * overlapX * overlapY
                weight += overlapX * overlapY
            }
        }
        return weight > 0 ? sum / weight : 0
    }
}
