import Foundation

/// Renders camera views of a source picture straight into `yuv420p` planes: bicubic
/// (Catmull-Rom) sampling at 1/256-pixel precision under any zoom, shift and rotation, with the
/// rows split across the machine's cores.
public struct FrameRenderer: Sendable {
    public var bands: Int

    public init(bands: Int = max(2, ProcessInfo.processInfo.activeProcessorCount)) {
        self.bands = bands
    }

    /// Catmull-Rom weights for 256 sub-pixel phases, in units of 1/256, 4 per phase.
    static let kernel: [Int32] = {
        var table = [Int32]()
        table.reserveCapacity(256 * 4)
        for phase in 0..<256 {
            let t = Double(phase) / 256
            let t2 = t * t, t3 = t2 * t
            let w = [
                -0.5 * t3 + t2 - 0.5 * t,
                1.5 * t3 - 2.5 * t2 + 1,
                -1.5 * t3 + 2 * t2 + 0.5 * t,
                0.5 * t3 - 0.5 * t2,
            ]
            var q = w.map { Int32(($0 * 256).rounded()) }
            q[1] += 256 - q.reduce(0, +)  // weights sum to exactly 1
            table += q
        }
        return table
    }()

    /// Draws `view` of `source` into `output`.
    public func render(_ source: PlanarImage, view: CameraPlan.View, into output: inout PlanarImage) {
        let mapping = PlaneMapping(view: view)
        Self.samplePlane(source.y, width: source.width, height: source.height, into: &output.y, width: output.width,
                         height: output.height, mapping: mapping, bands: bands)
        Self.samplePlane(source.u, width: source.chromaWidth, height: source.chromaHeight, into: &output.u,
                         width: output.chromaWidth, height: output.chromaHeight, mapping: mapping, bands: bands)
        Self.samplePlane(source.v, width: source.chromaWidth, height: source.chromaHeight, into: &output.v,
                         width: output.chromaWidth, height: output.chromaHeight, mapping: mapping, bands: bands)
    }

    /// Blends `overlay` over `output` with weight `alpha` (0...1): a dissolve.
    public func blend(_ overlay: PlanarImage, alpha: Double, into output: inout PlanarImage) {
        let weight = Int32((min(max(alpha, 0), 1) * 256).rounded())
        guard weight > 0 else { return }
        func mix(_ top: [UInt8], _ base: inout [UInt8]) {
            top.withUnsafeBufferPointer { top in
                base.withUnsafeMutableBufferPointer { base in
                    for index in 0..<base.count {
                        let b = Int32(base[index])
                        base[index] = UInt8(truncatingIfNeeded: b + ((Int32(top[index]) - b) * weight + 128) >> 8)
                    }
                }
            }
        }
        mix(overlay.y, &output.y)
        mix(overlay.u, &output.u)
        mix(overlay.v, &output.v)
    }

    /// A view as an affine map from output plane pixels to source plane pixels, per plane size.
    struct PlaneMapping {
        var view: CameraPlan.View

        /// Source position of output pixel (0, 0)'s centre, and the steps along a row and down a column.
        func affine(sourceWidth: Int, sourceHeight: Int, width: Int, height: Int)
            -> (origin: SIMD2<Double>, stepX: SIMD2<Double>, stepY: SIMD2<Double>)
        {
            let zoom = max(view.zoom, 1e-3)
            let scaleX = Double(sourceWidth) / zoom / Double(width)
            let scaleY = Double(sourceHeight) / zoom / Double(height)
            let c = cos(view.rotation), s = sin(view.rotation)
            let stepX = SIMD2(c * scaleX, s * scaleX)
            let stepY = SIMD2(-s * scaleY, c * scaleY)
            let center = view.center * SIMD2(Double(sourceWidth), Double(sourceHeight))
            // Output pixel centre (x + 0.5, y + 0.5) relative to the output centre.
            let u = 0.5 - Double(width) / 2
            let v = 0.5 - Double(height) / 2
            let origin = center + stepX * u + stepY * v - SIMD2(0.5, 0.5)
            return (origin, stepX, stepY)
        }
    }

    static func samplePlane(
        _ source: [UInt8], width sourceWidth: Int, height sourceHeight: Int, into output: inout [UInt8], width: Int,
        height: Int, mapping: PlaneMapping, bands: Int
    ) {
        let (origin, stepX, stepY) = mapping.affine(
            sourceWidth: sourceWidth, sourceHeight: sourceHeight, width: width, height: height)
        if abs(stepX.y) < 1e-12 && abs(stepY.x) < 1e-12 {
            samplePlaneSeparable(
                source, width: sourceWidth, height: sourceHeight, into: &output, width: width, height: height,
                originX: origin.x, stepX: stepX.x, originY: origin.y, stepY: stepY.y, bands: bands)
            return
        }
        let one = 65536.0
        let dxX = Int((stepX.x * one).rounded()), dxY = Int((stepX.y * one).rounded())
        source.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { output in
                Self.kernel.withUnsafeBufferPointer { kernel in
                    nonisolated(unsafe) let src = source.baseAddress!
                    nonisolated(unsafe) let dst = output.baseAddress!
                    nonisolated(unsafe) let lut = kernel.baseAddress!
                    Self.forEachBand(rows: height, bands: bands) { firstRow, lastRow in
                        let maxX = Double(sourceWidth - 1), maxY = Double(sourceHeight - 1)
                        for y in firstRow..<lastRow {
                            let start = origin + stepY * Double(y)
                            let end = start + stepX * Double(width - 1)
                            let out = dst + y * width
                            let interior =
                                min(start.x, end.x) >= 1 && max(start.x, end.x) < Double(sourceWidth - 3)
                                && min(start.y, end.y) >= 1 && max(start.y, end.y) < Double(sourceHeight - 3)
                            if interior {
                                // Fast path: 16.16 fixed point, no bounds clamping.
                                var fx = Int((start.x * one).rounded())
                                var fy = Int((start.y * one).rounded())
                                for x in 0..<width {
                                    let ix = fx >> 16, iy = fy >> 16
                                    let wx = lut + ((fx >> 8) & 255) * 4
                                    let wy = lut + ((fy >> 8) & 255) * 4
                                    var row = src + (iy - 1) * sourceWidth + (ix - 1)
                                    var sum: Int32 = 0
                                    for r in 0..<4 {
                                        let h = wx[0] &* Int32(row[0]) &+ wx[1] &* Int32(row[1])
                                            &+ wx[2] &* Int32(row[2]) &+ wx[3] &* Int32(row[3])
                                        sum = sum &+ wy[r] &* h
                                        row += sourceWidth
                                    }
                                    out[x] = UInt8(clamping: (sum + 32768) >> 16)
                                    fx += dxX
                                    fy += dxY
                                }
                            } else {
                                // Border rows: clamp the position into the picture and every tap to its edge.
                                for x in 0..<width {
                                    let p = start + stepX * Double(x)
                                    let sx = min(max(p.x, 0), maxX), sy = min(max(p.y, 0), maxY)
                                    let fx = Int((sx * one).rounded()), fy = Int((sy * one).rounded())
                                    let ix = fx >> 16, iy = fy >> 16
                                    let wx = lut + ((fx >> 8) & 255) * 4
                                    let wy = lut + ((fy >> 8) & 255) * 4
                                    var sum: Int32 = 0
                                    for r in 0..<4 {
                                        let row = src + min(max(iy - 1 + r, 0), sourceHeight - 1) * sourceWidth
                                        var h: Int32 = 0
                                        for k in 0..<4 {
                                            h += wx[k] * Int32(row[min(max(ix - 1 + k, 0), sourceWidth - 1)])
                                        }
                                        sum += wy[r] * h
                                    }
                                    out[x] = UInt8(clamping: (sum + 32768) >> 16)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Splits rows `0..<rows` into `bands` contiguous bands and runs `body(first, end)` for each
    /// band on its own thread.
    static func forEachBand(rows: Int, bands: Int, _ body: @Sendable (Int, Int) -> Void) {
        let bandCount = max(1, min(bands, rows))
        let rowsPerBand = (rows + bandCount - 1) / bandCount
        DispatchQueue.concurrentPerform(iterations: bandCount) { band in
            let first = band * rowsPerBand
            let end = min(rows, first + rowsPerBand)
            if first < end { body(first, end) }
        }
    }

    /// Catmull-Rom taps of one axis: for each output position, four clamped source indices and
    /// their weights (1/256 units).
    static func taps(origin: Double, step: Double, count: Int, sourceCount: Int) -> (indices: [Int32], weights: [Int32]) {
        var indices = [Int32](repeating: 0, count: count * 4)
        var weights = [Int32](repeating: 0, count: count * 4)
        let maxPosition = Double(sourceCount - 1)
        for i in 0..<count {
            let position = min(max(origin + step * Double(i), 0), maxPosition)
            var base = Int(position)
            var phase = Int(((position - Double(base)) * 256).rounded())
            if phase == 256 {
                base += 1
                phase = 0
            }
            for k in 0..<4 {
                indices[i * 4 + k] = Int32(min(max(base - 1 + k, 0), sourceCount - 1))
                weights[i * 4 + k] = kernel[phase * 4 + k]
            }
        }
        return (indices, weights)
    }

    /// Zoom and shift without rotation: a vertical pass over the source columns a row needs
    /// (SIMD lanes), then a 4-tap horizontal pass reading four neighbouring values at once.
    static func samplePlaneSeparable(
        _ source: [UInt8], width sourceWidth: Int, height sourceHeight: Int, into output: inout [UInt8], width: Int,
        height: Int, originX: Double, stepX: Double, originY: Double, stepY: Double, bands: Int
    ) {
        // Columns: the first tap's index (may be -1 or reach width + 1 at the edges, which the
        // padded row buffer covers) and the four weights.
        var columnBase = [Int32](repeating: 0, count: width)
        var columnWeights = [SIMD4<Int32>](repeating: .zero, count: width)
        for x in 0..<width {
            let position = min(max(originX + stepX * Double(x), 0), Double(sourceWidth - 1))
            var base = Int(position)
            var phase = Int(((position - Double(base)) * 256).rounded())
            if phase == 256 {
                base += 1
                phase = 0
            }
            columnBase[x] = Int32(base - 1)
            columnWeights[x] = SIMD4(kernel[phase * 4], kernel[phase * 4 + 1], kernel[phase * 4 + 2], kernel[phase * 4 + 3])
        }
        let rows = taps(origin: originY, step: stepY, count: height, sourceCount: sourceHeight)
        let lo = max(Int(columnBase.min() ?? 0), 0)
        let hi = min(Int(columnBase.max() ?? 0) + 3, sourceWidth - 1)
        source.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { output in
                columnBase.withUnsafeBufferPointer { columnBase in
                    columnWeights.withUnsafeBufferPointer { columnWeights in
                        rows.indices.withUnsafeBufferPointer { rowIndex in
                            rows.weights.withUnsafeBufferPointer { rowWeight in
                                nonisolated(unsafe) let src = source.baseAddress!
                                nonisolated(unsafe) let dst = output.baseAddress!
                                nonisolated(unsafe) let cb = columnBase.baseAddress!
                                nonisolated(unsafe) let cw = columnWeights.baseAddress!
                                nonisolated(unsafe) let ri = rowIndex.baseAddress!
                                nonisolated(unsafe) let rw = rowWeight.baseAddress!
                                Self.forEachBand(rows: height, bands: bands) { firstRow, lastRow in
                                    // Two padding values on each side replicate the edge columns.
                                    let buffer = UnsafeMutablePointer<Int32>.allocate(capacity: sourceWidth + 8)
                                    defer { buffer.deallocate() }
                                    let vertical = buffer + 2
                                    for y in firstRow..<lastRow {
                                        let r0 = src + Int(ri[y * 4]) * sourceWidth
                                        let r1 = src + Int(ri[y * 4 + 1]) * sourceWidth
                                        let r2 = src + Int(ri[y * 4 + 2]) * sourceWidth
                                        let r3 = src + Int(ri[y * 4 + 3]) * sourceWidth
                                        let w0 = rw[y * 4], w1 = rw[y * 4 + 1], w2 = rw[y * 4 + 2], w3 = rw[y * 4 + 3]
                                        // Eight columns at a time in SIMD lanes (wrapping arithmetic: no
                                        // overflow traps), then the remainder.
                                        var c = lo
                                        let v0 = SIMD8<Int32>(repeating: w0), v1 = SIMD8<Int32>(repeating: w1)
                                        let v2 = SIMD8<Int32>(repeating: w2), v3 = SIMD8<Int32>(repeating: w3)
                                        while c + 8 <= hi + 1 {
                                            let a = SIMD8<Int32>(truncatingIfNeeded: UnsafeRawPointer(r0 + c).loadUnaligned(as: SIMD8<UInt8>.self))
                                            let b = SIMD8<Int32>(truncatingIfNeeded: UnsafeRawPointer(r1 + c).loadUnaligned(as: SIMD8<UInt8>.self))
                                            let d = SIMD8<Int32>(truncatingIfNeeded: UnsafeRawPointer(r2 + c).loadUnaligned(as: SIMD8<UInt8>.self))
                                            let e = SIMD8<Int32>(truncatingIfNeeded: UnsafeRawPointer(r3 + c).loadUnaligned(as: SIMD8<UInt8>.self))
                                            let sum = v0 &* a &+ v1 &* b &+ v2 &* d &+ v3 &* e
                                            UnsafeMutableRawPointer(vertical + c).storeBytes(of: sum, as: SIMD8<Int32>.self)
                                            c += 8
                                        }
                                        while c <= hi {
                                            vertical[c] = w0 &* Int32(r0[c]) &+ w1 &* Int32(r1[c])
                                                &+ w2 &* Int32(r2[c]) &+ w3 &* Int32(r3[c])
                                            c += 1
                                        }
                                        if lo == 0 {
                                            vertical[-1] = vertical[0]
                                            vertical[-2] = vertical[0]
                                        }
                                        if hi == sourceWidth - 1 {
                                            vertical[sourceWidth] = vertical[sourceWidth - 1]
                                            vertical[sourceWidth + 1] = vertical[sourceWidth - 1]
                                        }
                                        let out = dst + y * width
                                        for x in 0..<width {
                                            let taps = UnsafeRawPointer(vertical + Int(cb[x])).loadUnaligned(as: SIMD4<Int32>.self)
                                            let sum = (taps &* cw[x]).wrappedSum()
                                            out[x] = UInt8(clamping: (sum &+ 32768) >> 16)
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
