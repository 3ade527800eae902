import Foundation

/// The EXIF orientation a picture file declares (a JPEG's APP1 segment, a PNG's `eXIf` chunk, a
/// WebP's `EXIF` chunk): how its stored pixels turn upright, as browsers and photo viewers show
/// it. A phone's portrait photo is usually stored sideways with orientation 6.
public enum ImageOrientation: Int, Sendable, CaseIterable {
    case up = 1, upMirrored, down, downMirrored, leftMirrored, right, rightMirrored, left

    /// The ffmpeg filter that turns the stored pixels upright (nil when they already are).
    public var uprightFilter: String? {
        switch self {
        case .up: nil
        case .upMirrored: "hflip"
        case .down: "hflip,vflip"
        case .downMirrored: "vflip"
        case .leftMirrored: "transpose=cclock_flip"
        case .right: "transpose=clock"
        case .rightMirrored: "transpose=clock_flip"
        case .left: "transpose=cclock"
        }
    }

    /// Whether the upright picture's width is the stored picture's height.
    public var swapsSides: Bool { rawValue >= ImageOrientation.leftMirrored.rawValue }

    /// How much of a file is read looking for the orientation: EXIF sits before the pixels.
    static let searchedBytes = 1 << 20

    /// The orientation `file` declares; `.up` when it declares none or cannot be read.
    public static func of(_ file: URL) -> ImageOrientation {
        guard let handle = try? FileHandle(forReadingFrom: file) else { return .up }
        defer { try? handle.close() }
        guard let data = try? handle.read(upToCount: searchedBytes) else { return .up }
        return declared(in: [UInt8](data))
    }

    /// The orientation the bytes of a JPEG, PNG or WebP file declare; `.up` for any other bytes.
    public static func declared(in bytes: [UInt8]) -> ImageOrientation {
        let tiff: ArraySlice<UInt8>?
        if bytes.starts(with: [0xFF, 0xD8]) {
            tiff = jpegExif(bytes)
        } else if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            tiff = pngExif(bytes)
        } else if bytes.count >= 12, bytes.starts(with: Array("RIFF".utf8)), Array(bytes[8..<12]) == Array("WEBP".utf8) {
            tiff = webpExif(bytes)
        } else {
            tiff = nil
        }
        return tiff.flatMap(orientation(inTIFF:)) ?? .up
    }

    private static let exifHeader = Array("Exif".utf8) + [0, 0]

    /// The TIFF structure of a JPEG's `Exif` APP1 segment, looked for up to the first scan.
    private static func jpegExif(_ bytes: [UInt8]) -> ArraySlice<UInt8>? {
        var index = 2
        while index + 4 <= bytes.count {
            guard bytes[index] == 0xFF else { return nil }
            let marker = bytes[index + 1]
            if marker == 0xFF { index += 1; continue }  // fill byte
            if marker == 0xD8 || marker == 0x01 || (0xD0...0xD7).contains(marker) { index += 2; continue }
            if marker == 0xDA || marker == 0xD9 { return nil }  // the scan, or the end: no EXIF before it
            let length = Int(bytes[index + 2]) << 8 | Int(bytes[index + 3])
            let start = index + 4, end = index + 2 + length
            guard length >= 2, end <= bytes.count else { return nil }
            if marker == 0xE1, bytes[start..<end].starts(with: exifHeader) { return bytes[(start + 6)..<end] }
            index = end
        }
        return nil
    }

    /// The TIFF structure of a PNG's `eXIf` chunk, looked for up to the image data.
    private static func pngExif(_ bytes: [UInt8]) -> ArraySlice<UInt8>? {
        var index = 8
        while index + 8 <= bytes.count {
            guard let length = integer(bytes, at: index, size: 4, littleEndian: false) else { return nil }
            let type = String(decoding: bytes[(index + 4)..<(index + 8)], as: UTF8.self)
            let start = index + 8
            guard length <= bytes.count - start else { return nil }
            if type == "eXIf" { return bytes[start..<(start + length)] }
            if type == "IDAT" || type == "IEND" { return nil }
            index = start + length + 4  // the data, then its CRC
        }
        return nil
    }

    /// The TIFF structure of a WebP's `EXIF` chunk (some writers keep the `Exif` header in it).
    private static func webpExif(_ bytes: [UInt8]) -> ArraySlice<UInt8>? {
        var index = 12
        while index + 8 <= bytes.count {
            guard let length = integer(bytes, at: index + 4, size: 4, littleEndian: true) else { return nil }
            let type = String(decoding: bytes[index..<(index + 4)], as: UTF8.self)
            let start = index + 8
            guard length <= bytes.count - start else { return nil }
            if type == "EXIF" {
                let chunk = bytes[start..<(start + length)]
                return chunk.starts(with: exifHeader) ? chunk.dropFirst(exifHeader.count) : chunk
            }
            index = start + length + (length & 1)  // chunks are padded to an even size
        }
        return nil
    }

    /// The Orientation tag (0x0112) of a TIFF structure's first image directory.
    static func orientation(inTIFF tiff: ArraySlice<UInt8>) -> ImageOrientation? {
        let bytes = Array(tiff)
        guard bytes.count >= 8 else { return nil }
        let little: Bool
        switch (bytes[0], bytes[1]) {
        case (0x49, 0x49): little = true
        case (0x4D, 0x4D): little = false
        default: return nil
        }
        func read(_ offset: Int, _ size: Int) -> Int? { integer(bytes, at: offset, size: size, littleEndian: little) }
        guard read(2, 2) == 42, let directory = read(4, 4), let entries = read(directory, 2) else { return nil }
        for entry in 0..<entries {
            let offset = directory + 2 + entry * 12
            guard let tag = read(offset, 2) else { return nil }
            guard tag == 0x0112 else { continue }
            guard read(offset + 2, 2) == 3, let value = read(offset + 8, 2) else { return nil }  // one SHORT
            return ImageOrientation(rawValue: value)
        }
        return nil
    }

    /// The unsigned integer of `size` bytes at `offset`, or nil past the end.
    private static func integer(_ bytes: [UInt8], at offset: Int, size: Int, littleEndian: Bool) -> Int? {
        guard offset >= 0, offset + size <= bytes.count else { return nil }
        let field = bytes[offset..<(offset + size)]
        return (littleEndian ? Array(field.reversed()) : Array(field)).reduce(0) { $0 << 8 | Int($1) }
    }
}
