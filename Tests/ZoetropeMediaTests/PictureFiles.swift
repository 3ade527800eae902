import CZlib
import Foundation

/// Metadata put into real picture files the way cameras and editors write it: a PNG chunk (its CRC
/// right), a JPEG segment after the start of image, a WebP turned extended (`VP8X`) with an `ICCP`
/// chunk; and ICC profiles of the matrix/TRC kind.
enum PictureFiles {
    static func bigEndian(_ value: Int, _ size: Int) -> [UInt8] {
        (0..<size).reversed().map { UInt8((value >> ($0 * 8)) & 0xFF) }
    }

    static func littleEndian(_ value: Int, _ size: Int) -> [UInt8] {
        (0..<size).map { UInt8((value >> ($0 * 8)) & 0xFF) }
    }

    /// A PNG file with a `type` chunk holding `data` put right after its header chunk.
    static func png(_ png: [UInt8], inserting type: String, _ data: [UInt8]) -> [UInt8] {
        let typed = Array(type.utf8) + data
        let crc = typed.withUnsafeBufferPointer { Int(crc32(0, $0.baseAddress, UInt32($0.count))) }
        let chunk = bigEndian(data.count, 4) + typed + bigEndian(crc, 4)
        let headerEnd = 8 + 4 + 4 + 13 + 4  // the signature, then IHDR: length, type, data, CRC
        return Array(png[..<headerEnd]) + chunk + Array(png[headerEnd...])
    }

    /// A JPEG file with segments of `marker` holding each of `payloads` right after its start of image.
    static func jpeg(_ jpeg: [UInt8], inserting marker: UInt8, _ payloads: [[UInt8]]) -> [UInt8] {
        let segments = payloads.flatMap { payload -> [UInt8] in [0xFF, marker] + bigEndian(payload.count + 2, 2) + payload }
        return Array(jpeg.prefix(2)) + segments + Array(jpeg.dropFirst(2))
    }

    /// A JPEG file carrying `profile` in `ICC_PROFILE` APP2 segments of at most `chunk` bytes each.
    static func jpeg(_ jpeg: [UInt8], profile: [UInt8], chunk: Int = 60_000) -> [UInt8] {
        let parts = stride(from: 0, to: profile.count, by: chunk).map { Array(profile[$0..<min($0 + chunk, profile.count)]) }
        let payloads = parts.enumerated().map { index, part in
            Array("ICC_PROFILE".utf8) + [0, UInt8(index + 1), UInt8(parts.count)] + part
        }
        return self.jpeg(jpeg, inserting: 0xE2, payloads)
    }

    /// A PNG file carrying `profile` in an `iCCP` chunk (zlib-compressed, as the format says).
    static func png(_ png: [UInt8], profile: [UInt8]) -> [UInt8] {
        var size = compressBound(UInt(profile.count))
        var compressed = [UInt8](repeating: 0, count: Int(size))
        let status = compress2(&compressed, &size, profile, UInt(profile.count), 9)
        precondition(status == Z_OK, "zlib compress2: \(status)")
        return self.png(png, inserting: "iCCP", Array("Display P3".utf8) + [0, 0] + compressed.prefix(Int(size)))
    }

    /// A simple WebP file (one `VP8 ` or `VP8L` chunk) of a `width`×`height` picture turned extended,
    /// with `profile` in an `ICCP` chunk before the image data.
    static func webp(_ webp: [UInt8], width: Int, height: Int, profile: [UInt8]) -> [UInt8] {
        func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
            Array(type.utf8) + littleEndian(data.count, 4) + data + (data.count.isMultiple(of: 2) ? [] : [0])
        }
        let header = chunk("VP8X", [0x20, 0, 0, 0] + littleEndian(width - 1, 3) + littleEndian(height - 1, 3))
        let body = Array("WEBP".utf8) + header + chunk("ICCP", profile) + Array(webp.dropFirst(12))
        return Array("RIFF".utf8) + littleEndian(body.count, 4) + body
    }

    /// An ICC v2 display profile of the matrix/TRC kind: `colorants` are the XYZ (D50) of full red,
    /// green and blue; every channel has the tone curve `curve` (a whole `curv` or `para` tag).
    static func iccProfile(colorants: [[Double]], curve: [UInt8]) -> [UInt8] {
        func s15Fixed16(_ value: Double) -> [UInt8] { bigEndian(Int(Int32((value * 65536).rounded())) & 0xFFFF_FFFF, 4) }
        func xyz(_ values: [Double]) -> [UInt8] { Array("XYZ ".utf8) + [0, 0, 0, 0] + values.flatMap(s15Fixed16) }
        let tags: [(String, [UInt8])] = [
            ("wtpt", xyz([0.9642, 1.0, 0.8249])), ("rXYZ", xyz(colorants[0])), ("gXYZ", xyz(colorants[1])),
            ("bXYZ", xyz(colorants[2])), ("rTRC", curve), ("gTRC", curve), ("bTRC", curve),
        ]
        var table: [UInt8] = [], data: [UInt8] = []
        let dataStart = 128 + 4 + tags.count * 12
        for (name, tag) in tags {
            table += Array(name.utf8) + bigEndian(dataStart + data.count, 4) + bigEndian(tag.count, 4)
            data += tag + [UInt8](repeating: 0, count: (4 - tag.count % 4) % 4)
        }
        let size = dataStart + data.count
        var header = bigEndian(size, 4) + Array("none".utf8) + [2, 0x10, 0, 0] + Array("mntrRGB XYZ ".utf8)
        header += [UInt8](repeating: 0, count: 12) + Array("acsp".utf8)
        header += [UInt8](repeating: 0, count: 128 - header.count)
        return header + bigEndian(tags.count, 4) + table + data
    }

    /// A `para` tag of function type 3 with sRGB's parameters (Display P3 uses sRGB's curve).
    static let srgbCurve: [UInt8] = {
        let parameters: [Double] = [2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045]
        let header: [UInt8] = Array("para".utf8) + [0, 0, 0, 0] + bigEndian(3, 2) + [0, 0]
        return header + parameters.flatMap { bigEndian(Int(($0 * 65536).rounded()), 4) }
    }()

    /// A `curv` tag of a single gamma (u8Fixed8).
    static func gammaCurve(_ gamma: Double) -> [UInt8] {
        Array("curv".utf8) + [0, 0, 0, 0] + bigEndian(1, 4) + bigEndian(Int((gamma * 256).rounded()), 2)
    }

    /// Display P3's colorants (XYZ, D50), as Apple's profile states them.
    static let displayP3 = [[0.515_121, 0.241_196, -0.001_053], [0.291_977, 0.692_245, 0.041_885], [0.157_104, 0.066_574, 0.784_073]]
    /// Adobe RGB (1998)'s colorants (XYZ, D50).
    static let adobeRGB = [[0.609_741, 0.311_112, 0.019_470], [0.205_264, 0.625_662, 0.060_898], [0.149_185, 0.063_227, 0.744_535]]
    /// sRGB's colorants (XYZ, D50).
    static let sRGB = [[0.436_075, 0.222_504, 0.013_932], [0.385_065, 0.716_879, 0.097_105], [0.143_080, 0.060_617, 0.714_173]]
}
