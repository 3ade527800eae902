import Foundation

/// Motion blur for fast camera moves, as a film camera's 180° shutter gives: a frame whose
/// picture travels more than a few pixels is the average of views spread over the half frame
/// interval around it, spaced closely enough that the trail looks continuous. Slow frames stay
/// single sharp samples, so the common case costs nothing.
public struct MotionBlur: Sendable, Equatable {
    /// Fraction of the frame interval the shutter is open (180°).
    public var shutter: Double = 0.5
    /// Blur shorter than this, in output pixels, is not worth rendering.
    public var minimumTrail: Double = 2
    /// Most samples per frame (the cost of the fastest frames).
    public var maximumSamples = 6

    public init() {}

    /// Motion blur as the request wants it: off when its negative prompt names motion blur
    /// ("motion blur", 运动模糊); a plain "blur" there means out-of-focus blur and keeps it on.
    public func honouring(negativePrompt: String) -> MotionBlur {
        let text = negativePrompt.lowercased()
        guard text.contains("motion blur") || text.contains("motion-blur") || text.contains("运动模糊") else { return self }
        var off = self
        off.maximumSamples = 1
        return off
    }

    /// Frame times to render and average for `frame` of `plan` at an output of `width`×`height`:
    /// just `frame` when the camera moves slowly there.
    public func sampleTimes(for plan: CameraPlan, frame: Int, width: Int, height: Int) -> [Double] {
        let time = Double(frame)
        let trail = Self.travel(of: plan, from: time - shutter / 2, to: time + shutter / 2, width: width, height: height)
        guard maximumSamples > 1, trail >= minimumTrail else { return [time] }
        let count = min(maximumSamples, Int((trail / 1.5).rounded(.up)) + 1)
        return (0..<count).map { time - shutter / 2 + shutter * Double($0) / Double(count - 1) }
    }

    /// How far, in output pixels, the picture under the frame's corners and centre moves between
    /// two frame times (the largest of those five).
    public static func travel(of plan: CameraPlan, from start: Double, to end: Double, width: Int, height: Int) -> Double {
        let a = plan.view(at: start), b = plan.view(at: end)
        let size = SIMD2(Double(width), Double(height))
        // The source point (in output pixels at zoom 1) seen at output offset `p` from the centre.
        func seen(_ view: CameraPlan.View, _ p: SIMD2<Double>) -> SIMD2<Double> {
            let c = cos(view.rotation), s = sin(view.rotation)
            let q = p / view.zoom
            return view.center * size + SIMD2(c * q.x - s * q.y, s * q.x + c * q.y)
        }
        let half = size / 2
        let points = [SIMD2<Double>.zero, -half, half, SIMD2(-half.x, half.y), SIMD2(half.x, -half.y)]
        let zoom = (a.zoom + b.zoom) / 2
        return points.map { p in
            let d = (seen(b, p) - seen(a, p)) * zoom
            return (d * d).sum().squareRoot()
        }.max() ?? 0
    }
}
