import Foundation

/// How the virtual camera moves across the clip: a zoom and a window centre per frame, with easing.
/// The built-in engine's first grammar is a slow push-in with a slight drift; its strength follows
/// `cfg_scale`.
public struct CameraPlan: Sendable, Equatable {
    /// The source image is decoded this much larger than the output, so the deepest zoom still
    /// samples at least one source pixel per output pixel.
    public static let overscan = 1.25

    public var frameCount: Int
    /// Zoom relative to the whole (overscanned) source: 1 shows all of it, `overscan` shows one
    /// output-sized window.
    public var startZoom: Double
    public var endZoom: Double
    /// Window centre in normalized source coordinates (0...1).
    public var startCenter: SIMD2<Double>
    public var endCenter: SIMD2<Double>
    /// Words that say what the plan does, reported to the user.
    public var summary: String

    public init(
        frameCount: Int, startZoom: Double, endZoom: Double, startCenter: SIMD2<Double>, endCenter: SIMD2<Double>,
        summary: String
    ) {
        self.frameCount = frameCount
        self.startZoom = startZoom
        self.endZoom = endZoom
        self.startCenter = startCenter
        self.endCenter = endCenter
        self.summary = summary
    }

    /// A smooth, slow push-in with a slight drift. `cfgScale` 0 is subtle, 1 is the full move.
    public static func pushIn(frameCount: Int, cfgScale: Double) -> CameraPlan {
        let strength = min(max(cfgScale, 0), 1)
        let endZoom = min(1.05 + 0.15 * strength, overscan)
        let drift = 0.01 + 0.02 * strength
        return CameraPlan(
            frameCount: frameCount, startZoom: 1, endZoom: endZoom,
            startCenter: SIMD2(0.5, 0.5), endCenter: SIMD2(0.5 + drift, 0.5 - drift / 2),
            summary: "slow push-in to \((endZoom * 100).rounded() / 100)× with a slight drift")
    }

    /// The camera at a frame: zoom and window centre.
    public struct View: Sendable, Equatable {
        public var zoom: Double
        public var center: SIMD2<Double>

        public init(zoom: Double, center: SIMD2<Double>) {
            self.zoom = zoom
            self.center = center
        }
    }

    /// The eased camera position at `frame` (0-based).
    public func view(at frame: Int) -> View {
        let t = frameCount > 1 ? Double(frame) / Double(frameCount - 1) : 0
        let eased = t * t * (3 - 2 * t)
        // Interpolate zoom geometrically so the apparent speed is even.
        let zoom = startZoom * pow(endZoom / startZoom, eased)
        let center = startCenter + (endCenter - startCenter) * eased
        return View(zoom: zoom, center: center)
    }
}
