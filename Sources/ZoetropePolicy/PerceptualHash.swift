import Foundation

/// A 64-bit perceptual hash of a picture (the DCT hash, "pHash"): the picture's luminance at
/// 32×32, its 8×8 lowest spatial frequencies, one bit per frequency above their median. Copies
/// of a picture that is re-encoded, resized, lightly cropped or recoloured keep most bits;
/// unrelated pictures differ in about half.
public struct PerceptualHash: Sendable, Hashable, CustomStringConvertible {
    public var bits: UInt64

    public init(bits: UInt64) { self.bits = bits }

    /// Side of the luminance grid the hash is computed from.
    public static let gridSize = 32
    /// Side of the block of lowest frequencies that gives the bits.
    static let blockSize = 8

    /// The hash of a `gridSize`×`gridSize` luminance grid, row by row (any scale).
    public init(luminance: [Double]) {
        let n = Self.gridSize, k = Self.blockSize
        precondition(luminance.count == n * n, "PerceptualHash needs a \(n)×\(n) grid")
        let basis = Self.cosines
        // Rows, then columns, keeping only the first k frequencies of each.
        var rows = [Double](repeating: 0, count: n * k)
        for y in 0..<n {
            for u in 0..<k {
                var sum = 0.0
                for x in 0..<n { sum += luminance[y * n + x] * basis[u * n + x] }
                rows[y * k + u] = sum
            }
        }
        var block = [Double](repeating: 0, count: k * k)
        for v in 0..<k {
            for u in 0..<k {
                var sum = 0.0
                for y in 0..<n { sum += rows[y * k + u] * basis[v * n + y] }
                block[v * k + u] = sum
            }
        }
        let median = block.sorted()[(k * k) / 2]
        var bits: UInt64 = 0
        for (index, value) in block.enumerated() where value > median { bits |= 1 << UInt64(index) }
        self.bits = bits
    }

    /// The hash written as 16 hexadecimal digits.
    public init?(hex: String) {
        guard hex.count == 16, let bits = UInt64(hex, radix: 16) else { return nil }
        self.bits = bits
    }

    /// How many of the 64 bits differ.
    public func distance(to other: PerceptualHash) -> Int { (bits ^ other.bits).nonzeroBitCount }

    public var description: String {
        let hex = String(bits, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// cos(π (2x + 1) u / 2n) for u < blockSize, x < gridSize.
    private static let cosines: [Double] = {
        let n = gridSize
        return (0..<blockSize).flatMap { u in
            (0..<n).map { x in cos(Double.pi * Double(2 * x + 1) * Double(u) / Double(2 * n)) }
        }
    }()
}
