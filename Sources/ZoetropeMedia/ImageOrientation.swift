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

    /// The orientation `file` declares: `.up` for a JPEG, PNG or WebP that declares none (or a
    /// broken one), nil for a file of another format (ffmpeg reads its rotation, if any).
    public static func of(_ file: URL) -> ImageOrientation? {
        guard let handle = try? FileHandle(forReadingFrom: file) else { return nil }
        defer { try? handle.close() }
        return declared { offset, count in
            guard (try? handle.seek(toOffset: UInt64(offset))) != nil,
                let data = try? handle.read(upToCount: count), data.count == count
            else { return nil }
            return [UInt8](data)
        }
    }

    /// The orientation the bytes of a file declare, as `of(_:)` reads it.
    public static func declared(in bytes: [UInt8]) -> ImageOrientation? {
        declared { offset, count in
            offset >= 0 && count >= 0 && offset <= bytes.count - count ? Array(bytes[offset..<(offset + count)]) : nil
        }
    }

    /// `count` bytes at `offset` of a file, or nil past its end.
    typealias Reader = (_ offset: Int, _ count: Int) -> [UInt8]?

    /// The largest metadata block read (an EXIF segment is at most 64 KiB in a JPEG).
    static let largestBlock = 1 << 20

    static func declared(_ read: Reader) -> ImageOrientation? {
        guard let head = read(0, 12) ?? read(0, 8) ?? read(0, 2) else { return nil }
        let tiff: [UInt8]?
        if head.starts(with: [0xFF, 0xD8]) {
            tiff = jpegExif(read)
        } else if head.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            tiff = pngExif(read)
        } else if head.count == 12, head.starts(with: Array("RIFF".utf8)), Array(head[8..<12]) == Array("WEBP".utf8) {
            tiff = webpExif(read)
        } else {
            return nil
        }
        return tiff.flatMap(orientation(inTIFF:)) ?? .up
    }

    private static let exifHeader = Array("Exif".utf8) + [0, 0]

    /// A block without the `Exif\0\0` header some writers put before the TIFF structure.
    private static func withoutHeader(_ block: [UInt8]) -> [UInt8] {
        block.starts(with: exifHeader) ? Array(block.dropFirst(exifHeader.count)) : block
    }

    /// The TIFF structure of a JPEG's `Exif` APP1 segment, looked for up to the first scan.
    private static func jpegExif(_ read: Reader) -> [UInt8]? {
        var offset = 2
        while let marker = read(offset, 2), marker[0] == 0xFF {
            let kind = marker[1]
            if kind == 0xFF { offset += 1; continue }  // a fill byte
            if kind == 0xD8 || kind == 0x01 || (0xD0...0xD7).contains(kind) { offset += 2; continue }
            if kind == 0xDA || kind == 0xD9 { return nil }  // the scan, or the end: no EXIF before it
            guard let size = read(offset + 2, 2) else { return nil }
            let length = Int(size[0]) << 8 | Int(size[1])
            guard length >= 2 else { return nil }
            if kind == 0xE1, let block = read(offset + 4, length - 2), block.starts(with: exifHeader) {
                return Array(block.dropFirst(exifHeader.count))
            }
            offset += 2 + length
        }
        return nil
    }

    /// The TIFF structure of a PNG's `eXIf` chunk, before or after the image data.
    private static func pngExif(_ read: Reader) -> [UInt8]? {
        var offset = 8
        while let header = read(offset, 8) {
            let length = Int(ByteFields.unsigned(header, at: 0, size: 4) ?? 0)
            let type = String(decoding: header[4..<8], as: UTF8.self)
            if type == "eXIf" {
                return length <= largestBlock ? read(offset + 8, length).map(withoutHeader) : nil
            }
            if type == "IEND" { return nil }
            offset += 8 + length + 4  // the header, the data, its CRC
        }
        return nil
    }

    /// The TIFF structure of a WebP's `EXIF` chunk (after the image data in an extended WebP).
    private static func webpExif(_ read: Reader) -> [UInt8]? {
        var offset = 12
        while let header = read(offset, 8) {
            let length = Int(ByteFields.unsigned(header, at: 4, size: 4, littleEndian: true) ?? 0)
            if String(decoding: header[0..<4], as: UTF8.self) == "EXIF" {
                return length <= largestBlock ? read(offset + 8, length).map(withoutHeader) : nil
            }
            offset += 8 + length + (length & 1)  // chunks are padded to an even size
        }
        return nil
    }

    /// The Orientation tag (0x0112) of a TIFF structure's first image directory, a SHORT or a LONG.
    static func orientation(inTIFF bytes: [UInt8]) -> ImageOrientation? {
        guard bytes.count >= 8 else { return nil }
        let little: Bool
        switch (bytes[0], bytes[1]) {
        case (0x49, 0x49): little = true
        case (0x4D, 0x4D): little = false
        default: return nil
        }
        func read(_ offset: Int, _ size: Int) -> Int? {
            ByteFields.unsigned(bytes, at: offset, size: size, littleEndian: little).map(Int.init)
        }
        guard read(2, 2) == 42, let directory = read(4, 4), let entries = read(directory, 2) else { return nil }
        for entry in 0..<entries {
            let offset = directory + 2 + entry * 12
            guard let tag = read(offset, 2) else { return nil }
            guard tag == 0x0112 else { continue }
            let value: Int?
            switch read(offset + 2, 2) {
            case 3: value = read(offset + 8, 2)  // SHORT
            case 4: value = read(offset + 8, 4)  // LONG
            default: value = nil
            }
            return value.flatMap(ImageOrientation.init(rawValue:))
        }
        return nil
    }

}
