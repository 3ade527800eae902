import Foundation

/// A transition from one picture to another that moves content instead of only fading it: dense
/// optical flow in both directions (Horn–Schunck, coarse to fine with warping), a forward–backward
/// consistency check that marks occluded pixels, and in-between frames warped from both pictures
/// and blended by visibility. When the pictures do not correspond (low flow confidence) it falls
/// back to a clean dissolve. Frame t = 0 is exactly the start picture and t = 1 the end picture.
public struct FlowMorph: Sendable {
    /// Analysis grid size (the flow is estimated on a small copy of the luma plane).
    public let gridWidth: Int
    public let gridHeight: Int
    /// Start → end and end → start displacements, in grid pixels, per grid pixel.
    let forward: [SIMD2<Float>]
    let backward: [SIMD2<Float>]
    /// 1 where a grid pixel of the start (end) picture is visible in the other picture, else 0.
    let visibleStart: [Float]
    let visibleEnd: [Float]
    /// Fraction of the start picture that the flow explains (consistent and photometrically close).
    public let confidence: Double
    /// True when the flow is trusted; false means a plain dissolve.
    public let usesFlow: Bool

    public static let minimumConfidence = 0.55

    public init(start: PlanarImage, end: PlanarImage, gridWidth requestedWidth: Int = 320) {
        precondition(start.width == end.width && start.height == end.height, "morph pictures must match in size")
        let gridWidth = min(requestedWidth, start.width)
        let gridHeight = max(8, Int((Double(gridWidth) * Double(start.height) / Double(start.width)).rounded()))
        self.gridWidth = gridWidth
        self.gridHeight = gridHeight
        let a = Self.downsample(start.y, width: start.width, height: start.height, to: gridWidth, gridHeight)
        let b = Self.downsample(end.y, width: end.width, height: end.height, to: gridWidth, gridHeight)
        let forward = Self.flow(from: a, to: b, width: gridWidth, height: gridHeight)
        let backward = Self.flow(from: b, to: a, width: gridWidth, height: gridHeight)
        let (visibleStart, explainedStart) = Self.consistency(
            forward, backward, from: a, to: b, width: gridWidth, height: gridHeight)
        let (visibleEnd, _) = Self.consistency(backward, forward, from: b, to: a, width: gridWidth, height: gridHeight)
        self.forward = forward
        self.backward = backward
        self.visibleStart = visibleStart
        self.visibleEnd = visibleEnd
        self.confidence = explainedStart
        self.usesFlow = explainedStart >= Self.minimumConfidence
    }

    /// The picture at time `t` (0...1) of the transition.
    public func frame(at t: Double, start: PlanarImage, end: PlanarImage, into output: inout PlanarImage) {
        let t = min(max(t, 0), 1)
        guard usesFlow else {
            for index in output.y.indices { output.y[index] = start.y[index] }
            for index in output.u.indices { output.u[index] = start.u[index] }
            for index in output.v.indices { output.v[index] = start.v[index] }
            FrameRenderer().blend(end, alpha: t, into: &output)
            return
        }
        warpPlane(start.y, end.y, width: start.width, height: start.height, t: t, into: &output.y)
        warpPlane(start.u, end.u, width: start.chromaWidth, height: start.chromaHeight, t: t, into: &output.u)
        warpPlane(start.v, end.v, width: start.chromaWidth, height: start.chromaHeight, t: t, into: &output.v)
    }

    // MARK: - Synthesis

    private func warpPlane(_ a: [UInt8], _ b: [UInt8], width: Int, height: Int, t: Double, into output: inout [UInt8]) {
        let scaleX = Float(width) / Float(gridWidth)
        let scaleY = Float(height) / Float(gridHeight)
        let tf = Float(t)
        // Super SloMo's intermediate-flow approximation.
        let c00 = -(1 - tf) * tf, c01 = tf * tf
        let c10 = (1 - tf) * (1 - tf), c11 = -tf * (1 - tf)
        let gw = gridWidth, gh = gridHeight
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                output.withUnsafeMutableBufferPointer { out in
                    forward.withUnsafeBufferPointer { fwd in
                        backward.withUnsafeBufferPointer { bwd in
                            visibleStart.withUnsafeBufferPointer { vs in
                                visibleEnd.withUnsafeBufferPointer { ve in
                                    nonisolated(unsafe) let (pa, pb, po) = (a.baseAddress!, b.baseAddress!, out.baseAddress!)
                                    nonisolated(unsafe) let (pf, pr) = (fwd.baseAddress!, bwd.baseAddress!)
                                    nonisolated(unsafe) let (pvs, pve) = (vs.baseAddress!, ve.baseAddress!)
                                    let bands = max(2, ProcessInfo.processInfo.activeProcessorCount)
                                    FrameRenderer.forEachBand(rows: height, bands: bands) { firstRow, lastRow in
                                        for y in firstRow..<lastRow {
                                            let gy = (Float(y) + 0.5) / scaleY - 0.5
                                            for x in 0..<width {
                                                let gx = (Float(x) + 0.5) / scaleX - 0.5
                                                let f = Self.sample(pf, gw, gh, gx, gy)
                                                let r = Self.sample(pr, gw, gh, gx, gy)
                                                let toStart = (c00 * f + c01 * r) * SIMD2(scaleX, scaleY)
                                                let toEnd = (c10 * f + c11 * r) * SIMD2(scaleX, scaleY)
                                                let px = Float(x), py = Float(y)
                                                let s0 = Self.sample(pa, width, height, px + toStart.x, py + toStart.y)
                                                let s1 = Self.sample(pb, width, height, px + toEnd.x, py + toEnd.y)
                                                let v0 = Self.sample(pvs, gw, gh, gx + toStart.x / scaleX, gy + toStart.y / scaleY)
                                                let v1 = Self.sample(pve, gw, gh, gx + toEnd.x / scaleX, gy + toEnd.y / scaleY)
                                                var w0 = (1 - tf) * (0.05 + v0)
                                                var w1 = tf * (0.05 + v1)
                                                let total = w0 + w1
                                                w0 /= total
                                                w1 /= total
                                                po[y * width + x] = UInt8(clamping: Int((w0 * s0 + w1 * s1).rounded()))
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Bilinear sample of an 8-bit plane, clamped to its edges.
    @inline(__always)
    static func sample(_ plane: UnsafePointer<UInt8>, _ width: Int, _ height: Int, _ x: Float, _ y: Float) -> Float {
        let cx = min(max(x, 0), Float(width - 1)), cy = min(max(y, 0), Float(height - 1))
        let x0 = min(Int(cx), width - 2), y0 = min(Int(cy), height - 2)
        let fx = cx - Float(x0), fy = cy - Float(y0)
        let i = y0 * width + x0
        let top = Float(plane[i]) * (1 - fx) + Float(plane[i + 1]) * fx
        let bottom = Float(plane[i + width]) * (1 - fx) + Float(plane[i + width + 1]) * fx
        return top * (1 - fy) + bottom * fy
    }

    /// Bilinear sample of a field of floats or flow vectors, clamped to its edges.
    @inline(__always)
    static func sample<Value: Interpolable>(_ field: UnsafePointer<Value>, _ width: Int, _ height: Int, _ x: Float, _ y: Float)
        -> Value
    {
        let cx = min(max(x, 0), Float(width - 1)), cy = min(max(y, 0), Float(height - 1))
        let x0 = min(Int(cx), width - 2), y0 = min(Int(cy), height - 2)
        let fx = cx - Float(x0), fy = cy - Float(y0)
        let i = y0 * width + x0
        let top = field[i] * (1 - fx) + field[i + 1] * fx
        let bottom = field[i + width] * (1 - fx) + field[i + width + 1] * fx
        return top * (1 - fy) + bottom * fy
    }

    // MARK: - Analysis

    /// Box-filtered luma at the grid size, scaled to 0...1.
    static func downsample(_ plane: [UInt8], width: Int, height: Int, to gw: Int, _ gh: Int) -> [Float] {
        var result = [Float](repeating: 0, count: gw * gh)
        for gy in 0..<gh {
            let y0 = gy * height / gh, y1 = max(y0 + 1, (gy + 1) * height / gh)
            for gx in 0..<gw {
                let x0 = gx * width / gw, x1 = max(x0 + 1, (gx + 1) * width / gw)
                var sum = 0
                for y in y0..<y1 {
                    for x in x0..<x1 { sum += Int(plane[y * width + x]) }
                }
                result[gy * gw + gx] = Float(sum) / Float((y1 - y0) * (x1 - x0) * 255)
            }
        }
        return result
    }

    static func halve(_ image: [Float], width: Int, height: Int) -> ([Float], Int, Int) {
        let w = max(1, width / 2), h = max(1, height / 2)
        var result = [Float](repeating: 0, count: w * h)
        for y in 0..<h {
            for x in 0..<w {
                let x0 = min(2 * x, width - 1), x1 = min(2 * x + 1, width - 1)
                let y0 = min(2 * y, height - 1), y1 = min(2 * y + 1, height - 1)
                result[y * w + x] =
                    (image[y0 * width + x0] + image[y0 * width + x1] + image[y1 * width + x0] + image[y1 * width + x1]) / 4
            }
        }
        return (result, w, h)
    }

    /// Bilinear sample of a float image at (x, y), clamped.
    static func sample(_ image: [Float], _ width: Int, _ height: Int, _ x: Float, _ y: Float) -> Float {
        image.withUnsafeBufferPointer { sample($0.baseAddress!, width, height, x, y) }
    }

    /// Horn–Schunck flow from `a` to `b`, coarse to fine with warping.
    static func flow(from a: [Float], to b: [Float], width: Int, height: Int) -> [SIMD2<Float>] {
        var pyramid: [([Float], [Float], Int, Int)] = [(a, b, width, height)]
        while let last = pyramid.last, min(last.2, last.3) >= 24 {
            let (ha, w, h) = halve(last.0, width: last.2, height: last.3)
            let (hb, _, _) = halve(last.1, width: last.2, height: last.3)
            pyramid.append((ha, hb, w, h))
        }
        var flow = [SIMD2<Float>](repeating: .zero, count: pyramid.last!.2 * pyramid.last!.3)
        var flowWidth = pyramid.last!.2, flowHeight = pyramid.last!.3
        for (levelA, levelB, w, h) in pyramid.reversed() {
            if w != flowWidth || h != flowHeight {
                flow = upsample(flow, width: flowWidth, height: flowHeight, to: w, h)
                flowWidth = w
                flowHeight = h
            }
            for _ in 0..<3 {
                flow = refine(flow, levelA, levelB, width: w, height: h, iterations: 40)
            }
        }
        return flow
    }

    static func upsample(_ flow: [SIMD2<Float>], width: Int, height: Int, to w: Int, _ h: Int) -> [SIMD2<Float>] {
        var result = [SIMD2<Float>](repeating: .zero, count: w * h)
        let sx = Float(width) / Float(w), sy = Float(height) / Float(h)
        flow.withUnsafeBufferPointer { field in
            for y in 0..<h {
                for x in 0..<w {
                    let v = sample(field.baseAddress!, width, height, (Float(x) + 0.5) * sx - 0.5, (Float(y) + 0.5) * sy - 0.5)
                    result[y * w + x] = SIMD2(v.x / sx, v.y / sy)
                }
            }
        }
        return result
    }

    /// One warping step: linearize around the current flow, then Jacobi iterations of Horn–Schunck.
    static func refine(_ initial: [SIMD2<Float>], _ a: [Float], _ b: [Float], width: Int, height: Int, iterations: Int)
        -> [SIMD2<Float>]
    {
        let count = width * height
        var warped = [Float](repeating: 0, count: count)
        var gx = [Float](repeating: 0, count: count), gy = [Float](repeating: 0, count: count)
        for y in 0..<height {
            for x in 0..<width {
                let i = y * width + x
                let f = initial[i]
                let px = Float(x) + f.x, py = Float(y) + f.y
                warped[i] = sample(b, width, height, px, py)
                let bx = (sample(b, width, height, px + 1, py) - sample(b, width, height, px - 1, py)) / 2
                let by = (sample(b, width, height, px, py + 1) - sample(b, width, height, px, py - 1)) / 2
                let ax = (a[y * width + min(x + 1, width - 1)] - a[y * width + max(x - 1, 0)]) / 2
                let ay = (a[min(y + 1, height - 1) * width + x] - a[max(y - 1, 0) * width + x]) / 2
                gx[i] = (ax + bx) / 2
                gy[i] = (ay + by) / 2
            }
        }
        let alpha2: Float = 0.0008
        var flow = initial
        var next = initial
        for _ in 0..<iterations {
            for y in 0..<height {
                let up = max(y - 1, 0) * width, down = min(y + 1, height - 1) * width, row = y * width
                for x in 0..<width {
                    let left = max(x - 1, 0), right = min(x + 1, width - 1)
                    let average = (flow[row + left] + flow[row + right] + flow[up + x] + flow[down + x]) / 4
                    let i = row + x
                    let delta = average - initial[i]
                    let it = warped[i] - a[i]
                    let numerator = gx[i] * delta.x + gy[i] * delta.y + it
                    let k = numerator / (alpha2 + gx[i] * gx[i] + gy[i] * gy[i])
                    next[i] = SIMD2(average.x - gx[i] * k, average.y - gy[i] * k)
                }
            }
            swap(&flow, &next)
        }
        return flow
    }

    /// Visibility of each pixel of the first picture (forward–backward agreement) and the
    /// fraction of it the flow explains.
    static func consistency(
        _ forward: [SIMD2<Float>], _ backward: [SIMD2<Float>], from a: [Float], to b: [Float], width: Int, height: Int
    ) -> ([Float], Double) {
        var visible = [Float](repeating: 0, count: width * height)
        var explained = 0
        backward.withUnsafeBufferPointer { backwardField in
            for y in 0..<height {
                for x in 0..<width {
                    let i = y * width + x
                    let f = forward[i]
                    let px = Float(x) + f.x, py = Float(y) + f.y
                    let inside = px >= 0 && py >= 0 && px <= Float(width - 1) && py <= Float(height - 1)
                    let back = sample(backwardField.baseAddress!, width, height, px, py)
                    let error = ((f + back) * (f + back)).sum().squareRoot()
                    let consistent = inside && error < 0.75 + 0.1 * (f * f).sum().squareRoot()
                    visible[i] = consistent ? 1 : 0
                    if consistent && abs(sample(b, width, height, px, py) - a[i]) < 0.08 { explained += 1 }
                }
            }
        }
        return (visible, Double(explained) / Double(width * height))
    }
}

/// Values that bilinear sampling can mix: floats and flow vectors.
protocol Interpolable {
    static func + (lhs: Self, rhs: Self) -> Self
    static func * (lhs: Self, rhs: Float) -> Self
}

extension Float: Interpolable {}
extension SIMD2: Interpolable where Scalar == Float {}
