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
        return declared(PictureContainer.reader(handle))
    }

    /// The orientation the bytes of a file declare, as `of(_:)` reads it.
    public static func declared(in bytes: [UInt8]) -> ImageOrientation? {
        declared(PictureContainer.reader(bytes))
    }

    static func declared(_ read: PictureContainer.Reader) -> ImageOrientation? {
        guard let container = PictureContainer.of(read) else { return nil }
        return exif(in: container, read).flatMap(orientation(inTIFF:)) ?? .up
    }

    private static let exifHeader = Array("Exif".utf8) + [0, 0]

    /// The TIFF structure of the file's EXIF block: a JPEG's `Exif` APP1 segment (before the first
    /// scan), a PNG's `eXIf` chunk or a WebP's `EXIF` chunk, without the `Exif\0\0` header some
    /// writers put before it in the chunks.
    private static func exif(in container: PictureContainer, _ read: PictureContainer.Reader) -> [UInt8]? {
        let kind = switch container { case .jpeg: "E1"; case .png: "eXIf"; case .webp: "EXIF" }
        for block in container.blocks(read) where block.kind == kind {
            guard let data = PictureContainer.data(of: block, read) else { return nil }
            if data.starts(with: exifHeader) { return Array(data.dropFirst(exifHeader.count)) }
            if container != .jpeg { return data }  // a JPEG's APP1 may hold XMP instead: look on
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
