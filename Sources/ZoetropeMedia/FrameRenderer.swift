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

    /// Draws `view` of `source` into `output`. Where the window reaches past the picture (a
    /// camera pulled back behind it, zoom below 1), `backdrop` (output size) shows, with the
    /// picture's edge anti-aliased over it; without one the edge pixels stretch.
    public func render(
        _ source: PlanarImage, view: CameraPlan.View, backdrop: PlanarImage? = nil, into output: inout PlanarImage
    ) {
        let mapping = PlaneMapping(view: view)
        let planes: [(WritableKeyPath<PlanarImage, [UInt8]>, Int, Int, Int, Int)] = [
            (\.y, source.width, source.height, output.width, output.height),
            (\.u, source.chromaWidth, source.chromaHeight, output.chromaWidth, output.chromaHeight),
            (\.v, source.chromaWidth, source.chromaHeight, output.chromaWidth, output.chromaHeight),
        ]
        for (plane, sourceWidth, sourceHeight, width, height) in planes {
            Self.samplePlane(source[keyPath: plane], width: sourceWidth, height: sourceHeight, into: &output[keyPath: plane],
                             width: width, height: height, mapping: mapping, bands: bands)
            if let backdrop, view.zoom < 1 {
                Self.composite(over: backdrop[keyPath: plane], sourceWidth: sourceWidth, sourceHeight: sourceHeight,
                               into: &output[keyPath: plane], width: width, height: height, mapping: mapping, bands: bands)
            }
        }
    }

    /// Draws `frame` of `plan` from the pyramid's level for each view's zoom, averaging the views
    /// `blur` asks for when the camera moves fast.
    public func render(
        _ pyramid: SourcePyramid, plan: CameraPlan, frame: Int, blur: MotionBlur, backdrop: PlanarImage? = nil,
        into output: inout PlanarImage
    ) {
        let times = blur.sampleTimes(for: plan, frame: frame, width: output.width, height: output.height)
        func draw(_ time: Double, into target: inout PlanarImage) {
            let view = plan.view(at: time)
            render(pyramid.level(forZoom: view.zoom), view: view, backdrop: backdrop, into: &target)
        }
        draw(times[0], into: &output)
        guard times.count > 1 else { return }
        var sample = PlanarImage(width: output.width, height: output.height)
        for (index, time) in times.enumerated().dropFirst() {
            draw(time, into: &sample)
            blend(sample, alpha: 1 / Double(index + 1), into: &output)  // running mean
        }
    }

    /// Blends `backdrop` in wherever an output pixel's centre lies outside the picture, by how far
    /// outside (one output pixel of soft edge). Rows wholly inside the picture are skipped.
    static func composite(
        over backdrop: [UInt8], sourceWidth: Int, sourceHeight: Int, into output: inout [UInt8], width: Int, height: Int,
        mapping: PlaneMapping, bands: Int
    ) {
        let (origin, stepX, stepY) = mapping.affine(
            sourceWidth: sourceWidth, sourceHeight: sourceHeight, width: width, height: height)
        let pixel = (stepX * stepX).sum().squareRoot()  // source pixels per output pixel
        let right = Double(sourceWidth) - 0.5, bottom = Double(sourceHeight) - 0.5
        /// Distance, in output pixels, from the picture's edge (positive inside).
        @Sendable func inside(_ p: SIMD2<Double>) -> Double {
            min(p.x + 0.5, right - p.x, p.y + 0.5, bottom - p.y) / pixel
        }
        backdrop.withUnsafeBufferPointer { backdrop in
            output.withUnsafeMutableBufferPointer { output in
                nonisolated(unsafe) let back = backdrop.baseAddress!
                nonisolated(unsafe) let out = output.baseAddress!
                Self.forEachBand(rows: height, bands: bands) { firstRow, lastRow in
                    for y in firstRow..<lastRow {
                        let start = origin + stepY * Double(y)
                        // The picture is convex: a row whose ends are inside is inside all along.
                        if inside(start) >= 0.5 && inside(start + stepX * Double(width - 1)) >= 0.5 { continue }
                        for x in 0..<width {
                            let alpha = min(max(inside(start + stepX * Double(x)) + 0.5, 0), 1)
                            guard alpha < 1 else { continue }
                            let index = y * width + x
                            let b = Double(back[index])
                            out[index] = UInt8((b + (Double(out[index]) - b) * alpha).rounded())
                        }
                    }
                }
            }
        }
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

    /// The sample at `position` along an axis of `count` values (clamped into it): the index of
    /// the whole pixel at or before it and the sub-pixel phase in 1/256 steps.
    static func tap(_ position: Double, count: Int) -> (base: Int, phase: Int) {
        let position = min(max(position, 0), Double(count - 1))
        let base = Int(position)
        let phase = Int(((position - Double(base)) * 256).rounded())
        return phase == 256 ? (base + 1, 0) : (base, phase)
    }

    /// Catmull-Rom weights for 256 sub-pixel phases in units of 1/64, the precision the 16-bit
    /// vertical pass can hold (255 × 64 × 1.25 < 32 768).
    static let kernel64: [Int16] = {
        var table = [Int16]()
        table.reserveCapacity(256 * 4)
        for phase in 0..<256 {
            var q = (0..<4).map { Int16((Double(kernel[phase * 4 + $0]) / 4).rounded()) }
            q[1] += 64 - q.reduce(0, +)
            table += q
        }
        return table
    }()

    /// Zoom and shift without rotation, in 16-bit lanes: a vertical pass over the source columns a
    /// row needs (1/64 weights, eight columns per multiply), then a 4-tap horizontal pass over four
    /// output pixels at a time on 16-bit values and 1/256 weights. The compiler sees that every
    /// product has 16-bit operands and uses 16-bit multiplies (SSE2 has no 32-bit one), which
    /// halved the renderer's time. Output is rounded from 1/16384 units.
    static func samplePlaneSeparable(
        _ source: [UInt8], width sourceWidth: Int, height sourceHeight: Int, into output: inout [UInt8], width: Int,
        height: Int, originX: Double, stepX: Double, originY: Double, stepY: Double, bands: Int
    ) {
        // Columns: the first tap's index (may be -1 or reach width + 1 at the edges, which the
        // padded row buffer covers) and the four weights; padded to a multiple of four pixels.
        let paddedWidth = (width + 3) & ~3
        var columnBase = [Int32](repeating: 0, count: paddedWidth)
        var columnWeights = [SIMD4<Int16>](repeating: .zero, count: paddedWidth)
        for x in 0..<width {
            let (base, phase) = tap(originX + stepX * Double(x), count: sourceWidth)
            columnBase[x] = Int32(base - 1)
            columnWeights[x] = SIMD4(
                Int16(kernel[phase * 4]), Int16(kernel[phase * 4 + 1]), Int16(kernel[phase * 4 + 2]),
                Int16(kernel[phase * 4 + 3]))
        }
        for x in width..<paddedWidth { columnBase[x] = columnBase[width - 1] }
        let lo = max(Int(columnBase.min() ?? 0), 0)
        let hi = min(Int(columnBase.max() ?? 0) + 3, sourceWidth - 1)
        // Rows: four clamped source rows and their 1/64 weights per output row.
        var rowIndex = [Int](repeating: 0, count: height * 4)
        var rowWeight = [Int16](repeating: 0, count: height * 4)
        for y in 0..<height {
            let (base, phase) = tap(originY + stepY * Double(y), count: sourceHeight)
            for k in 0..<4 {
                rowIndex[y * 4 + k] = min(max(base - 1 + k, 0), sourceHeight - 1)
                rowWeight[y * 4 + k] = kernel64[phase * 4 + k]
            }
        }
        source.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { output in
                columnBase.withUnsafeBufferPointer { columnBase in
                    columnWeights.withUnsafeBufferPointer { columnWeights in
                        rowIndex.withUnsafeBufferPointer { rowIndex in
                            rowWeight.withUnsafeBufferPointer { rowWeight in
                                nonisolated(unsafe) let src = source.baseAddress!
                                nonisolated(unsafe) let dst = output.baseAddress!
                                nonisolated(unsafe) let cb = columnBase.baseAddress!
                                nonisolated(unsafe) let cw = UnsafeRawPointer(columnWeights.baseAddress!)
                                nonisolated(unsafe) let ri = rowIndex.baseAddress!
                                nonisolated(unsafe) let rw = rowWeight.baseAddress!
                                Self.forEachBand(rows: height, bands: bands) { firstRow, lastRow in
                                    // Two padding values on each side replicate the edge columns; the
                                    // rest lets whole SIMD loads run past the last column.
                                    let buffer = UnsafeMutablePointer<Int16>.allocate(capacity: sourceWidth + 24)
                                    buffer.initialize(repeating: 0, count: sourceWidth + 24)
                                    defer { buffer.deallocate() }
                                    let vertical = buffer + 2
                                    for y in firstRow..<lastRow {
                                        let r0 = src + ri[y * 4] * sourceWidth
                                        let r1 = src + ri[y * 4 + 1] * sourceWidth
                                        let r2 = src + ri[y * 4 + 2] * sourceWidth
                                        let r3 = src + ri[y * 4 + 3] * sourceWidth
                                        let w0 = rw[y * 4], w1 = rw[y * 4 + 1], w2 = rw[y * 4 + 2], w3 = rw[y * 4 + 3]
                                        let v0 = SIMD8<Int16>(repeating: w0), v1 = SIMD8<Int16>(repeating: w1)
                                        let v2 = SIMD8<Int16>(repeating: w2), v3 = SIMD8<Int16>(repeating: w3)
                                        var c = lo
                                        while c + 8 <= hi + 1 {
                                            let a = SIMD8<Int16>(truncatingIfNeeded: UnsafeRawPointer(r0 + c).loadUnaligned(as: SIMD8<UInt8>.self))
                                            let b = SIMD8<Int16>(truncatingIfNeeded: UnsafeRawPointer(r1 + c).loadUnaligned(as: SIMD8<UInt8>.self))
                                            let d = SIMD8<Int16>(truncatingIfNeeded: UnsafeRawPointer(r2 + c).loadUnaligned(as: SIMD8<UInt8>.self))
                                            let e = SIMD8<Int16>(truncatingIfNeeded: UnsafeRawPointer(r3 + c).loadUnaligned(as: SIMD8<UInt8>.self))
                                            let sum = v0 &* a &+ v1 &* b &+ v2 &* d &+ v3 &* e
                                            UnsafeMutableRawPointer(vertical + c).storeBytes(of: sum, as: SIMD8<Int16>.self)
                                            c += 8
                                        }
                                        while c <= hi {
                                            vertical[c] = w0 &* Int16(r0[c]) &+ w1 &* Int16(r1[c])
                                                &+ w2 &* Int16(r2[c]) &+ w3 &* Int16(r3[c])
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
                                        let taps = UnsafeRawPointer(vertical)
                                        let out = dst + y * width
                                        var x = 0
                                        while x < width {
                                            // Four pixels' four 16-bit taps each, read as pairs in
                                            // 32-bit lanes; the sign-extended halves multiply and add
                                            // as `pmaddwd` does, then the pairs of each pixel add up.
                                            let t0 = taps.loadUnaligned(fromByteOffset: Int(cb[x]) * 2, as: SIMD2<Int32>.self)
                                            let t1 = taps.loadUnaligned(fromByteOffset: Int(cb[x + 1]) * 2, as: SIMD2<Int32>.self)
                                            let t2 = taps.loadUnaligned(fromByteOffset: Int(cb[x + 2]) * 2, as: SIMD2<Int32>.self)
                                            let t3 = taps.loadUnaligned(fromByteOffset: Int(cb[x + 3]) * 2, as: SIMD2<Int32>.self)
                                            let values = SIMD8(lowHalf: SIMD4(lowHalf: t0, highHalf: t1), highHalf: SIMD4(lowHalf: t2, highHalf: t3))
                                            let weights = cw.loadUnaligned(fromByteOffset: x * 8, as: SIMD8<Int32>.self)
                                            let pairs = ((values &<< 16) &>> 16) &* ((weights &<< 16) &>> 16)
                                                &+ (values &>> 16) &* (weights &>> 16)
                                            let sums = (pairs.evenHalf &+ pairs.oddHalf &+ 8192) &>> 14
                                            let clamped = sums.clamped(lowerBound: .zero, upperBound: SIMD4(repeating: 255))
                                            let pixels = SIMD4<UInt8>(truncatingIfNeeded: clamped)
                                            if x + 4 <= width {
                                                UnsafeMutableRawPointer(out + x).storeBytes(of: pixels, as: SIMD4<UInt8>.self)
                                            } else {
                                                for k in 0..<(width - x) { out[x + k] = pixels[k] }
                                            }
                                            x += 4
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
