import Foundation
import Testing
import ZoetropeMedia

/// Sub-pixel motion: a slow pan over a textured picture, rendered frame by frame, follows a
/// smooth curve to within a twentieth of a pixel. Integer stepping (as in ffmpeg's zoompan)
/// measures about 0.25 px.
struct SmoothnessTests {
    /// A textured picture: sums of sinusoids at several scales, so every sub-pixel shift shows.
    static func texture(width: Int, height: Int) -> PlanarImage {
        var image = PlanarImage(width: width, height: height)
        for y in 0..<height {
            for x in 0..<width {
                let fx = Double(x), fy = Double(y)
                let value = 128 + 40 * sin(fx * 0.071 + fy * 0.013) + 30 * sin(fx * 0.23 - fy * 0.05)
                    + 20 * sin(fx * 0.011 + 1.3) + 15 * cos(fy * 0.09 + fx * 0.031)
                image.y[y * width + x] = UInt8(clamping: Int(value.rounded()))
            }
        }
        return image
    }

    /// Column profile of the luma plane (mean of each column).
    static func profile(_ image: PlanarImage) -> [Double] {
        (0..<image.width).map { x in
            var sum = 0
            for y in 0..<image.height { sum += Int(image.y[y * image.width + x]) }
            return Double(sum) / Double(image.height)
        }
    }

    /// Shift of `b` relative to `a` in pixels, by iterative 1-D Lucas–Kanade on interpolated profiles.
    static func shift(from a: [Double], to b: [Double]) -> Double {
        func sample(_ p: [Double], _ x: Double) -> Double {
            let i = min(max(Int(x.rounded(.down)), 0), p.count - 2)
            let f = x - Double(i)
            return p[i] * (1 - f) + p[i + 1] * f
        }
        var d = 0.0
        for _ in 0..<30 {
            var numerator = 0.0, denominator = 0.0
            for x in 20..<(a.count - 20) {
                let position = Double(x) + d
                let gradient = (sample(b, position + 0.5) - sample(b, position - 0.5))
                let difference = sample(b, position) - a[x]
                numerator += gradient * difference
                denominator += gradient * gradient
            }
            let step = numerator / denominator
            d -= step
            if abs(step) < 1e-6 { break }
        }
        return d
    }

    /// RMS residual of a least-squares polynomial fit of degree `degree`.
    static func polynomialResidual(_ values: [Double], degree: Int) -> Double {
        let n = values.count
        let ts = (0..<n).map { Double($0) / Double(n - 1) * 2 - 1 }
        let m = degree + 1
        var normal = [[Double]](repeating: [Double](repeating: 0, count: m + 1), count: m)
        for (t, value) in zip(ts, values) {
            var powers = [Double](repeating: 1, count: m)
            for k in 1..<m { powers[k] = powers[k - 1] * t }
            for r in 0..<m {
                for c in 0..<m { normal[r][c] += powers[r] * powers[c] }
                normal[r][m] += powers[r] * value
            }
        }
        // Gaussian elimination.
        for col in 0..<m {
            let pivot = (col..<m).max { abs(normal[$0][col]) < abs(normal[$1][col]) }!
            normal.swapAt(col, pivot)
            for row in 0..<m where row != col {
                let factor = normal[row][col] / normal[col][col]
                for k in col...m { normal[row][k] -= factor * normal[col][k] }
            }
        }
        let coefficients = (0..<m).map { normal[$0][m] / normal[$0][$0] }
        var squares = 0.0
        for (t, value) in zip(ts, values) {
            var fit = 0.0, power = 1.0
            for c in coefficients {
                fit += c * power
                power *= t
            }
            squares += (fit - value) * (fit - value)
        }
        return (squares / Double(n)).squareRoot()
    }

    @Test func slowPanPositionsFollowASmoothCurve() {
        let source = Self.texture(width: 1200, height: 200)
        let plan = CameraPlan(frameCount: 96, moves: [.panRight], speed: .slow, strength: 0.5, aspect: 6)
        var frame = PlanarImage(width: 640, height: 106)
        // Position of each frame: frame-to-frame shifts (each well under a pixel), accumulated.
        var positions: [Double] = [0]
        var previous: [Double] = []
        for index in 0..<plan.frameCount {
            var view = plan.view(at: index)
            view.zoom = 1.6  // hold the zoom so the motion is a pure pan
            FrameRenderer().render(source, view: view, into: &frame)
            let profile = Self.profile(frame)
            if index > 0 { positions.append(positions.last! + Self.shift(from: previous, to: profile)) }
            previous = profile
        }
        // It moves (several pixels) and moves smoothly.
        #expect(abs(positions.last!) > 5)
        let residual = Self.polynomialResidual(positions, degree: 5)
        #expect(residual < 0.05, "RMS deviation \(residual) px")

        // The same measurement on whole-pixel steps (what zoompan does) shows the stepping.
        let stepped = positions.map { $0.rounded() }
        #expect(Self.polynomialResidual(stepped, degree: 5) > 0.15)
    }
}
