import Foundation

/// The parts of an RGB ICC profile of the matrix/TRC kind (what cameras, phones and editors embed:
/// Display P3, Adobe RGB, ProPhoto, sRGB): a tone curve per channel, and the colorants that map
/// linear RGB to the profile connection space (XYZ, D50). Profiles of other kinds (grey, CMYK,
/// lookup tables only) are not read.
public struct ICCProfile: Sendable, Equatable {
    /// Columns: the XYZ (D50) of full red, green and blue.
    public var colorants: Matrix3
    /// The red, green and blue tone curves: encoded value (0...1) to linear light.
    public var curves: [ToneCurve]

    public init(colorants: Matrix3, curves: [ToneCurve]) {
        self.colorants = colorants
        self.curves = curves
    }

    /// The profile in `bytes`, or nil when they hold no RGB matrix/TRC profile.
    public init?(_ bytes: [UInt8]) {
        func u32(_ offset: Int) -> Int? { ByteFields.unsigned(bytes, at: offset, size: 4).map(Int.init) }
        func text(_ offset: Int) -> String? {
            offset >= 0 && offset + 4 <= bytes.count ? String(decoding: bytes[offset..<offset + 4], as: UTF8.self) : nil
        }
        guard bytes.count >= 132, text(36) == "acsp", text(16) == "RGB ", text(20) == "XYZ ",
            let count = u32(128), count <= 1000
        else { return nil }
        var tags: [String: ArraySlice<UInt8>] = [:]
        for index in 0..<count {
            let entry = 132 + index * 12
            guard let name = text(entry), let offset = u32(entry + 4), let size = u32(entry + 8),
                offset >= 0, size >= 0, offset <= bytes.count - size
            else { return nil }
            tags[name] = bytes[offset..<offset + size]
        }
        let curves = ["rTRC", "gTRC", "bTRC"].compactMap { tags[$0].flatMap { ToneCurve(tag: Array($0)) } }
        guard let red = tags["rXYZ"].flatMap(Self.xyz), let green = tags["gXYZ"].flatMap(Self.xyz),
            let blue = tags["bXYZ"].flatMap(Self.xyz), curves.count == 3
        else { return nil }
        self.init(colorants: Matrix3(columns: red, green, blue), curves: curves)
    }

    /// An XYZType tag's first value (`XYZ `, reserved, three s15Fixed16 numbers).
    static func xyz(_ tag: ArraySlice<UInt8>) -> [Double]? {
        let bytes = Array(tag)
        guard bytes.count >= 20, bytes.starts(with: Array("XYZ ".utf8)) else { return nil }
        return (0..<3).map { Double(Int32(bitPattern: UInt32(ByteFields.unsigned(bytes, at: 8 + $0 * 4, size: 4)!))) / 65536 }
    }
}

/// A tone curve of an ICC profile (`curv` or `para`): encoded value to linear light, both 0...1.
public enum ToneCurve: Sendable, Equatable {
    /// v^γ.
    case gamma(Double)
    /// Equally spaced samples, interpolated linearly.
    case table([Double])
    /// ICC parametric curve of function type 0...4 with its parameters g, a, b, c, d, e, f.
    case parametric(type: Int, [Double])

    /// The curve in a `curv` or `para` tag's bytes.
    public init?(tag bytes: [UInt8]) {
        guard bytes.count >= 12 else { return nil }
        func u16(_ offset: Int) -> Int? { ByteFields.unsigned(bytes, at: offset, size: 2).map(Int.init) }
        switch String(decoding: bytes[0..<4], as: UTF8.self) {
        case "curv":
            guard let count = ByteFields.unsigned(bytes, at: 8, size: 4).map(Int.init), bytes.count >= 12 + 2 * count
            else { return nil }
            if count == 0 { self = .gamma(1) }
            else if count == 1 { self = .gamma(Double(u16(12)!) / 256) }
            else { self = .table((0..<count).map { Double(u16(12 + 2 * $0)!) / 65535 }) }
        case "para":
            let sizes = [1, 3, 4, 5, 7]
            guard let type = u16(8), type < sizes.count, bytes.count >= 12 + 4 * sizes[type] else { return nil }
            let values = (0..<sizes[type]).map {
                Double(Int32(bitPattern: UInt32(ByteFields.unsigned(bytes, at: 12 + 4 * $0, size: 4)!))) / 65536
            }
            self = .parametric(type: type, values)
        default:
            return nil
        }
    }

    /// Linear light for the encoded value `v` (0...1).
    public func linear(_ v: Double) -> Double {
        let v = min(max(v, 0), 1)
        switch self {
        case .gamma(let g):
            return pow(v, g)
        case .table(let samples):
            let position = v * Double(samples.count - 1)
            let index = min(Int(position), samples.count - 2)
            let t = position - Double(index)
            return samples[index] * (1 - t) + samples[index + 1] * t
        case .parametric(let type, let p):
            let g = p[0]
            switch type {
            case 0: return pow(v, g)
            case 1: return v >= -p[2] / p[1] ? pow(p[1] * v + p[2], g) : 0
            case 2: return v >= -p[2] / p[1] ? pow(p[1] * v + p[2], g) + p[3] : p[3]
            case 3: return v >= p[4] ? pow(p[1] * v + p[2], g) : p[3] * v
            default: return v >= p[4] ? pow(p[1] * v + p[2], g) + p[5] : p[3] * v + p[6]
            }
        }
    }
}

/// A 3×3 matrix of doubles, row by row.
public struct Matrix3: Sendable, Equatable {
    public var rows: [[Double]]

    public init(rows: [[Double]]) { self.rows = rows }

    /// The matrix whose columns are `a`, `b` and `c`.
    public init(columns a: [Double], _ b: [Double], _ c: [Double]) {
        rows = (0..<3).map { [a[$0], b[$0], c[$0]] }
    }

    public static func * (m: Matrix3, n: Matrix3) -> Matrix3 {
        Matrix3(rows: (0..<3).map { i in (0..<3).map { j in (0..<3).reduce(0) { $0 + m.rows[i][$1] * n.rows[$1][j] } } })
    }

    public func applied(to v: [Double]) -> [Double] {
        rows.map { $0[0] * v[0] + $0[1] * v[1] + $0[2] * v[2] }
    }

    /// The inverse, or nil for a singular matrix.
    public var inverse: Matrix3? {
        let m = rows
        let cofactors = (0..<3).map { i in
            (0..<3).map { j in
                let r = [0, 1, 2].filter { $0 != j }, c = [0, 1, 2].filter { $0 != i }
                let minor = m[r[0]][c[0]] * m[r[1]][c[1]] - m[r[0]][c[1]] * m[r[1]][c[0]]
                return (i + j) % 2 == 0 ? minor : -minor
            }
        }
        let determinant = (0..<3).reduce(0) { $0 + m[0][$1] * cofactors[$1][0] }
        guard abs(determinant) > 1e-12 else { return nil }
        return Matrix3(rows: cofactors.map { $0.map { $0 / determinant } })
    }
}
