import Foundation
import Testing
import ZoetropeMedia

/// A picture is used the way viewers show it: the EXIF orientation of a JPEG, PNG or WebP is read
/// (both byte orders), and a sideways-stored photo decodes upright; files without one, or with a
/// broken one, decode as stored.
struct ImageOrientationTests {
    /// A TIFF structure whose first directory holds a tag or two before the Orientation tag.
    static func tiff(_ orientation: Int, littleEndian: Bool, long: Bool = false) -> [UInt8] {
        func bytes(_ value: Int, _ size: Int) -> [UInt8] {
            let big = (0..<size).reversed().map { UInt8((value >> ($0 * 8)) & 0xFF) }
            return littleEndian ? big.reversed() : big
        }
        let header = (littleEndian ? Array("II".utf8) : Array("MM".utf8)) + bytes(42, 2) + bytes(8, 4)
        let make = bytes(0x010F, 2) + bytes(2, 2) + bytes(4, 4) + Array("abc\0".utf8)  // Make, ASCII "abc"
        let orient = bytes(0x0112, 2) + bytes(long ? 4 : 3, 2) + bytes(1, 4)
            + (long ? bytes(orientation, 4) : bytes(orientation, 2) + [0, 0])
        return header + bytes(2, 2) + make + orient + bytes(0, 4)
    }

    /// A JPEG's first bytes with an APP0 segment, then the EXIF APP1 segment.
    static func jpeg(_ tiff: [UInt8]) -> [UInt8] {
        let app0: [UInt8] = [0xFF, 0xE0, 0x00, 0x07] + Array("JFIF\0".utf8)
        let exif = Array("Exif".utf8) + [0, 0] + tiff
        return [0xFF, 0xD8] + app0 + [0xFF, 0xE1, UInt8((exif.count + 2) >> 8), UInt8((exif.count + 2) & 0xFF)] + exif
            + [0xFF, 0xDA, 0x00, 0x02]
    }

    static func png(_ tiff: [UInt8], afterImageData: Bool = false) -> [UInt8] {
        func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
            let length = data.count
            return [UInt8(length >> 24), UInt8((length >> 16) & 0xFF), UInt8((length >> 8) & 0xFF), UInt8(length & 0xFF)]
                + Array(type.utf8) + data + [0, 0, 0, 0]
        }
        let data = chunk("IDAT", [1, 2, 3])
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", Array(repeating: 0, count: 13))
            + (afterImageData ? data + chunk("eXIf", tiff) : chunk("eXIf", tiff) + data) + chunk("IEND", [])
    }

    static func webp(_ tiff: [UInt8], exifHeader: Bool, imageBytes: Int = 5) -> [UInt8] {
        func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
            let length = data.count
            return Array(type.utf8) + [UInt8(length & 0xFF), UInt8((length >> 8) & 0xFF), UInt8((length >> 16) & 0xFF), 0] + data
                + (length.isMultiple(of: 2) ? [] : [0])
        }
        let body = Array("WEBP".utf8) + chunk("VP8X", Array(repeating: 0, count: 10))
            + chunk("VP8 ", Array(repeating: 7, count: imageBytes))
            + chunk("EXIF", (exifHeader ? Array("Exif".utf8) + [0, 0] : []) + tiff)
        let size = body.count
        return Array("RIFF".utf8) + [UInt8(size & 0xFF), UInt8((size >> 8) & 0xFF), UInt8((size >> 16) & 0xFF), 0] + body
    }

    @Test(arguments: ImageOrientation.allCases)
    func readsTheOrientationOfJPEGPNGAndWebP(orientation: ImageOrientation) {
        for little in [true, false] {
            let tiff = Self.tiff(orientation.rawValue, littleEndian: little)
            #expect(ImageOrientation.declared(in: Self.jpeg(tiff)) == orientation)
            #expect(ImageOrientation.declared(in: Self.png(tiff)) == orientation)
            #expect(ImageOrientation.declared(in: Self.webp(tiff, exifHeader: false)) == orientation)
            #expect(ImageOrientation.declared(in: Self.webp(tiff, exifHeader: true)) == orientation)
            #expect(ImageOrientation.declared(in: Self.jpeg(Self.tiff(orientation.rawValue, littleEndian: little, long: true)))
                == orientation)
        }
    }

    /// Where else writers put it: after a WebP's image data of over a megabyte, after a PNG's image
    /// data, behind an `Exif` header inside a PNG chunk; read from the file, not only from bytes.
    @Test func readsOrientationWhereverTheFileKeepsIt() throws {
        let tiff = Self.tiff(6, littleEndian: true)
        let directory = try VideoAnalysis.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let files: [(String, [UInt8])] = [
            ("large.webp", Self.webp(tiff, exifHeader: false, imageBytes: 3 << 20 | 1)),
            ("late.png", Self.png(tiff, afterImageData: true)),
            ("header.png", Self.png(Array("Exif".utf8) + [0, 0] + tiff)),
        ]
        for (name, bytes) in files {
            let file = directory.appendingPathComponent(name)
            try Data(bytes).write(to: file)
            #expect(ImageOrientation.of(file) == .right, "\(name)")
        }
    }

    @Test func filesWithoutOrBrokenOrientationAreUpright() {
        let good = Self.jpeg(Self.tiff(6, littleEndian: true))
        #expect(ImageOrientation.declared(in: []) == nil)
        #expect(ImageOrientation.declared(in: Array("GIF89a".utf8)) == nil, "another format: ffmpeg reads its rotation")
        #expect(ImageOrientation.declared(in: Self.jpeg(Self.tiff(0, littleEndian: true))) == .up)
        #expect(ImageOrientation.declared(in: Self.jpeg(Self.tiff(9, littleEndian: false))) == .up)
        for length in 2..<good.count - 8 {  // every truncation of a file that declares 6
            #expect(ImageOrientation.declared(in: Array(good.prefix(length))) == .up)
        }
        var hugeDirectory = Self.tiff(6, littleEndian: true)
        hugeDirectory[8] = 0xFF
        hugeDirectory[9] = 0xFF  // 65 535 entries in 40 bytes, none of them the Orientation tag
        hugeDirectory[22] = 0x13
        #expect(ImageOrientation.declared(in: Self.jpeg(hugeDirectory)) == .up)
    }

    /// The stored pixels of a picture that declares `orientation`: the upright picture turned back.
    static let storedFilter: [ImageOrientation: String] = [
        .upMirrored: "hflip", .down: "hflip,vflip", .downMirrored: "vflip", .leftMirrored: "transpose=cclock_flip",
        .right: "transpose=cclock", .rightMirrored: "transpose=clock_flip", .left: "transpose=clock",
    ]

    /// Every orientation in a JPEG (ffmpeg 5.1 turns these itself unless told not to) and in a
    /// PNG (which ffmpeg 5.1 leaves as stored) decodes to the upright picture, and probes at its
    /// upright size.
    @Test(arguments: ["jpg", "png"])
    func aSidewaysStoredPhotoDecodesUpright(format: String) throws {
        let directory = try VideoAnalysis.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let upright = directory.appendingPathComponent("upright.png")
        try VideoAnalysis.picture("testsrc2=s=320x180", to: upright)
        let decoder = ImageDecoder()
        let expected = try decoder.decode(upright, field: "start_image_url", width: 160, height: 90)
        for orientation in ImageOrientation.allCases {
            let plain = directory.appendingPathComponent("stored-\(orientation.rawValue).\(format)")
            _ = try VideoAnalysis.ffmpeg(
                ["-v", "error", "-i", upright.path, "-vf", Self.storedFilter[orientation] ?? "null", "-q:v", "1", plain.path])
            let stored = [UInt8](try Data(contentsOf: plain))
            let tiff = Self.tiff(orientation.rawValue, littleEndian: orientation.rawValue.isMultiple(of: 2))
            let file = directory.appendingPathComponent("exif-\(orientation.rawValue).\(format)")
            let bytes = format == "png"
                ? PictureFiles.png(stored, inserting: "eXIf", tiff)
                : Self.jpeg(tiff).dropLast(4) + stored.dropFirst(2)  // its segments, then the photo's
            try Data(bytes).write(to: file)

            #expect(ImageOrientation.of(file) == orientation)
            let size = try decoder.probe(file, field: "start_image_url")
            #expect(size.width == 320 && size.height == 180, "\(format) \(orientation): probed \(size)")
            let decoded = try decoder.decode(file, field: "start_image_url", width: 160, height: 90)
            let difference = zip(decoded.y, expected.y).map { abs(Int($0) - Int($1)) }.reduce(0, +) / expected.y.count
            #expect(difference <= 3, "\(format) \(orientation): mean luma difference \(difference) from the upright picture")
        }
    }
}
