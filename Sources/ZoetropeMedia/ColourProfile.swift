import CZlib
import Foundation

/// The colour profile a picture file embeds (a JPEG's `ICC_PROFILE` APP2 segments, a PNG's `iCCP`
/// chunk, a WebP's `ICCP` chunk) and how its colours turn into sRGB, as browsers and photo viewers
/// show them: a phone's Display P3 photo or a camera's Adobe RGB picture keeps its colours instead
/// of being read as if it were sRGB. Pictures without a profile, or with sRGB's, are sRGB already.
public enum ColourProfile {
    /// The ICC profile `file` embeds, or nil (none, a format other than JPEG, PNG or WebP, or a
    /// profile that cannot be read).
    public static func embedded(in file: URL) -> [UInt8]? {
        guard let handle = try? FileHandle(forReadingFrom: file) else { return nil }
        defer { try? handle.close() }
        return embedded(PictureContainer.reader(handle))
    }

    /// The conversion of `file`'s colours to sRGB, or nil when they are sRGB already (no profile,
    /// sRGB's, or one of a kind not read: see `ICCProfile`).
    public static func conversion(for file: URL) -> SRGBConversion? {
        embedded(in: file).flatMap(ICCProfile.init).flatMap(SRGBConversion.init)
    }

    static func embedded(_ read: PictureContainer.Reader) -> [UInt8]? {
        guard let container = PictureContainer.of(read) else { return nil }
        let blocks = container.blocks(read)
        switch container {
        case .jpeg:
            // "ICC_PROFILE\0", the chunk's number (from 1), the number of chunks, then the chunk.
            let header = Array("ICC_PROFILE".utf8) + [0]
            var chunks: [Int: [UInt8]] = [:]
            var total = 0
            for block in blocks where block.kind == "E2" {
                guard let data = PictureContainer.data(of: block, read), data.starts(with: header),
                    data.count > header.count + 2
                else { continue }
                chunks[Int(data[header.count])] = Array(data.dropFirst(header.count + 2))
                total = Int(data[header.count + 1])
            }
            guard total > 0, chunks.count == total, (1...total).allSatisfy({ chunks[$0] != nil }) else { return nil }
            return (1...total).flatMap { chunks[$0]! }
        case .png:
            // The profile's name (1-79 bytes), a zero, the compression method (0: zlib), the profile.
            guard let block = blocks.first(where: { $0.kind == "iCCP" }),
                let data = PictureContainer.data(of: block, read),
                let nameEnd = data.prefix(80).firstIndex(of: 0), nameEnd + 2 <= data.count, data[nameEnd + 1] == 0
            else { return nil }
            return inflate(Array(data[(nameEnd + 2)...]))
        case .webp:
            return blocks.first { $0.kind == "ICCP" }.flatMap { PictureContainer.data(of: $0, read) }
        }
    }

    /// The zlib stream `compressed` inflated, or nil when it is broken or inflates past
    /// `PictureContainer.largestBlock`.
    static func inflate(_ compressed: [UInt8]) -> [UInt8]? {
        var stream = z_stream()
        guard inflateInit_(&stream, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return nil }
        defer { inflateEnd(&stream) }
        var input = compressed
        var output = [UInt8](repeating: 0, count: PictureContainer.largestBlock)
        let status = input.withUnsafeMutableBufferPointer { inBuffer in
            output.withUnsafeMutableBufferPointer { outBuffer in
                stream.next_in = inBuffer.baseAddress
                stream.avail_in = UInt32(inBuffer.count)
                stream.next_out = outBuffer.baseAddress
                stream.avail_out = UInt32(outBuffer.count)
                return CZlib.inflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END else { return nil }
        return Array(output.prefix(Int(stream.total_out)))
    }
}

/// How a picture's colours turn into sRGB: the profile's tone curves to linear light, its
/// colorants to sRGB's (both adapted to D50, as ICC profiles are), clipped to sRGB's gamut, and
/// sRGB's tone curve (relative colorimetric, as browsers show a picture of a wider gamut).
public struct SRGBConversion: Sendable {
    /// The profile's linear RGB to sRGB's linear RGB.
    public let matrix: Matrix3
    public let curves: [ToneCurve]

    /// sRGB's colorants as its ICC profile states them (XYZ, D50).
    static let srgbColorants = Matrix3(
        columns: [0.436_074_7, 0.222_504_5, 0.013_932_2], [0.385_064_9, 0.716_878_6, 0.097_104_5],
        [0.143_080_4, 0.060_616_9, 0.714_173_3])

    /// The conversion for `profile`, or nil when it is sRGB's (within a part in a thousand of its
    /// colorants, and half an 8-bit step of its curve).
    public init?(_ profile: ICCProfile) {
        guard let toSRGB = Self.srgbColorants.inverse else { return nil }
        let matrix = toSRGB * profile.colorants
        let identity = (0..<3).allSatisfy { i in (0..<3).allSatisfy { j in abs(matrix.rows[i][j] - (i == j ? 1 : 0)) < 1e-3 } }
        let srgbCurve = profile.curves.allSatisfy { curve in
            (0...32).allSatisfy { step in
                let v = Double(step) / 32
                return abs(Self.encode(curve.linear(v)) - v) < 0.5 / 255
            }
        }
        if identity && srgbCurve { return nil }
        self.matrix = matrix
        self.curves = profile.curves
    }

    /// sRGB's tone curve: linear light to the encoded value.
    static func encode(_ linear: Double) -> Double {
        linear <= 0.003_130_8 ? 12.92 * linear : 1.055 * pow(linear, 1 / 2.4) - 0.055
    }

    /// Points per side of the lookup table `cube` writes.
    public static let cubeSize = 33

    /// The conversion as a 3D lookup table in the `.cube` format ffmpeg's `lut3d` filter reads
    /// (red varies fastest), each value with six decimals. Written digit by digit, and each
    /// channel's curve read once per grid step: about a hundredth of the time `String(format:)` takes.
    public var cube: String {
        let n = Self.cubeSize
        let axis = (0..<3).map { channel in (0..<n).map { curves[channel].linear(Double($0) / Double(n - 1)) } }
        var text = Array("LUT_3D_SIZE \(n)\n".utf8)
        text.reserveCapacity(text.count + n * n * n * 27)
        for b in 0..<n {
            for g in 0..<n {
                for r in 0..<n {
                    let out = matrix.applied(to: [axis[0][r], axis[1][g], axis[2][b]])
                    for (index, value) in out.enumerated() {
                        Self.appendDecimal(Self.encode(min(max(value, 0), 1)), to: &text)
                        text.append(index == 2 ? UInt8(ascii: "\n") : UInt8(ascii: " "))
                    }
                }
            }
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// Appends `value` (0...1) with six decimals, as `%.6f` writes it.
    static func appendDecimal(_ value: Double, to text: inout [UInt8]) {
        let millionths = Int((value * 1_000_000).rounded())
        text.append(UInt8(ascii: "0") + UInt8(millionths / 1_000_000))
        text.append(UInt8(ascii: "."))
        var digits = millionths % 1_000_000
        var divisor = 100_000
        while divisor > 0 {
            text.append(UInt8(ascii: "0") + UInt8(digits / divisor))
            digits %= divisor
            divisor /= 10
        }
    }
}
