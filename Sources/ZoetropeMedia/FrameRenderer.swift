import Foundation
import Dispatch

/// Renders camera views of a source picture straight into `yuv420p` planes with sub-pixel
/// (bilinear, 1/256 px) sampling, splitting rows across the machine's cores.
public struct FrameRenderer: Sendable {
    public var bands: Int

    public init(bands: Int = max(2, ProcessInfo.processInfo.activeProcessorCount)) {
        self.bands = bands
    }

    /// Draws `view` of `source` into `output`. The window is clamped to stay inside the source, so
    /// no pixel outside the image is ever shown.
    public func render(_ source: PlanarImage, view: CameraPlan.View, into output: inout PlanarImage) {
        let zoom = max(view.zoom, 1)
        // Window size and origin in luma source pixels.
        let windowWidth = Double(source.width) / zoom
        let windowHeight = Double(source.height) / zoom
        let centerX = min(max(view.center.x * Double(source.width), windowWidth / 2), Double(source.width) - windowWidth / 2)
        let centerY = min(max(view.center.y * Double(source.height), windowHeight / 2), Double(source.height) - windowHeight / 2)
        let originX = centerX - windowWidth / 2
        let originY = centerY - windowHeight / 2
        let scaleX = windowWidth / Double(output.width)
        let scaleY = windowHeight / Double(output.height)

        Self.samplePlane(
            source.y, width: source.width, height: source.height, into: &output.y, width: output.width,
            height: output.height, originX: originX, originY: originY, scaleX: scaleX, scaleY: scaleY, bands: bands)
        Self.samplePlane(
            source.u, width: source.chromaWidth, height: source.chromaHeight, into: &output.u,
            width: output.chromaWidth, height: output.chromaHeight, originX: originX / 2, originY: originY / 2,
            scaleX: scaleX, scaleY: scaleY, bands: bands)
        Self.samplePlane(
            source.v, width: source.chromaWidth, height: source.chromaHeight, into: &output.v,
            width: output.chromaWidth, height: output.chromaHeight, originX: originX / 2, originY: originY / 2,
            scaleX: scaleX, scaleY: scaleY, bands: bands)
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

    /// Bilinear resampling of one plane: output pixel centre (x + 0.5) maps to source
    /// `origin + (x + 0.5) × scale`.
    static func samplePlane(
        _ source: [UInt8], width sourceWidth: Int, height sourceHeight: Int, into output: inout [UInt8], width: Int,
        height: Int, originX: Double, originY: Double, scaleX: Double, scaleY: Double, bands: Int
    ) {
        // Per-column source index and 8-bit weight, computed once per frame.
        var columnIndex = [Int32](repeating: 0, count: width)
        var columnWeight = [Int32](repeating: 0, count: width)
        for x in 0..<width {
            let position = min(max(originX + (Double(x) + 0.5) * scaleX - 0.5, 0), Double(sourceWidth - 1))
            var index = Int(position)
            var fraction = position - Double(index)
            if index >= sourceWidth - 1 {
                index = sourceWidth - 2
                fraction = 1
            }
            columnIndex[x] = Int32(index)
            columnWeight[x] = Int32((fraction * 256).rounded())
        }
        source.withUnsafeBufferPointer { source in
            columnIndex.withUnsafeBufferPointer { columnIndex in
                columnWeight.withUnsafeBufferPointer { columnWeight in
                    output.withUnsafeMutableBufferPointer { output in
                        nonisolated(unsafe) let src = source.baseAddress!
                        nonisolated(unsafe) let dst = output.baseAddress!
                        nonisolated(unsafe) let xi = columnIndex.baseAddress!
                        nonisolated(unsafe) let xw = columnWeight.baseAddress!
                        let bandCount = max(1, min(bands, height))
                        let rowsPerBand = (height + bandCount - 1) / bandCount
                        DispatchQueue.concurrentPerform(iterations: bandCount) { band in
                            let firstRow = band * rowsPerBand
                            let lastRow = min(height, firstRow + rowsPerBand)
                            guard firstRow < lastRow else { return }
                            for y in firstRow..<lastRow {
                                let position = min(
                                    max(originY + (Double(y) + 0.5) * scaleY - 0.5, 0), Double(sourceHeight - 1))
                                var rowIndex = Int(position)
                                var fraction = position - Double(rowIndex)
                                if rowIndex >= sourceHeight - 1 {
                                    rowIndex = sourceHeight - 2
                                    fraction = 1
                                }
                                let wy = Int32((fraction * 256).rounded())
                                let top = src + rowIndex * sourceWidth
                                let bottom = top + sourceWidth
                                let out = dst + y * width
                                for x in 0..<width {
                                    let i = Int(xi[x])
                                    let wx = xw[x]
                                    let t = Int32(top[i]) * (256 - wx) + Int32(top[i + 1]) * wx
                                    let b = Int32(bottom[i]) * (256 - wx) + Int32(bottom[i + 1]) * wx
                                    out[x] = UInt8(truncatingIfNeeded: (t * (256 - wy) + b * wy + 32768) >> 16)
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
