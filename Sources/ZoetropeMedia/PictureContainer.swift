import Foundation

/// The metadata blocks of a JPEG, PNG or WebP file, read where they lie without decoding the
/// picture: a JPEG's segments before its first scan, a PNG's chunks, a WebP's chunks. The EXIF
/// orientation (`ImageOrientation`) and the colour profile (`ColourProfile`) are found in them.
enum PictureContainer: Sendable {
    case jpeg, png, webp

    /// `count` bytes at `offset` of a file, or nil past its end.
    typealias Reader = (_ offset: Int, _ count: Int) -> [UInt8]?

    /// One block: its kind (a JPEG segment's marker as two hex digits, `E1` for APP1; a PNG or
    /// WebP chunk's four-letter type) and where its data lies.
    struct Block: Sendable {
        var kind: String
        var offset: Int
        var length: Int
    }

    /// The largest metadata block read (an EXIF segment is at most 64 KiB in a JPEG; an ICC
    /// profile rarely passes a few hundred KiB).
    static let largestBlock = 1 << 20

    /// The container of the file `read` reads, or nil for any other format.
    static func of(_ read: Reader) -> PictureContainer? {
        guard let head = read(0, 12) ?? read(0, 8) ?? read(0, 2) else { return nil }
        if head.starts(with: [0xFF, 0xD8]) { return .jpeg }
        if head.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if head.count == 12, head.starts(with: Array("RIFF".utf8)), Array(head[8..<12]) == Array("WEBP".utf8) {
            return .webp
        }
        return nil
    }

    /// The most blocks read from one file (a crafted file of empty chunks stops here).
    static let mostBlocks = 100_000

    /// The blocks of the file, in order, up to a JPEG's first scan or a PNG's end chunk.
    func blocks(_ read: Reader) -> [Block] {
        switch self {
        case .jpeg: Self.jpegSegments(read)
        case .png: Self.chunks(read, from: 8, lengthFirst: true)
        case .webp: Self.chunks(read, from: 12, lengthFirst: false)
        }
    }

    /// The data of `block` when it is no larger than `largestBlock`.
    static func data(of block: Block, _ read: Reader) -> [UInt8]? {
        block.length <= largestBlock ? read(block.offset, block.length) : nil
    }

    /// A `Reader` over an open file.
    static func reader(_ handle: FileHandle) -> Reader {
        { offset, count in
            guard offset >= 0, count >= 0, (try? handle.seek(toOffset: UInt64(offset))) != nil,
                let data = try? handle.read(upToCount: count), data.count == count
            else { return nil }
            return [UInt8](data)
        }
    }

    /// A `Reader` over bytes held in memory.
    static func reader(_ bytes: [UInt8]) -> Reader {
        { offset, count in
            offset >= 0 && count >= 0 && offset <= bytes.count - count ? Array(bytes[offset..<(offset + count)]) : nil
        }
    }

    private static func jpegSegments(_ read: Reader) -> [Block] {
        var blocks: [Block] = []
        var offset = 2
        while blocks.count < mostBlocks, let marker = read(offset, 2), marker[0] == 0xFF {
            let kind = marker[1]
            if kind == 0xFF { offset += 1; continue }  // a fill byte
            if kind == 0xD8 || kind == 0x01 || (0xD0...0xD7).contains(kind) { offset += 2; continue }
            if kind == 0xDA || kind == 0xD9 { break }  // the scan, or the end
            guard let size = read(offset + 2, 2) else { break }
            let length = Int(size[0]) << 8 | Int(size[1])
            guard length >= 2 else { break }
            blocks.append(Block(kind: String(format: "%02X", kind), offset: offset + 4, length: length - 2))
            offset += 2 + length
        }
        return blocks
    }

    /// PNG chunks (length, type, data, CRC; big-endian) or WebP chunks (type, length, data padded
    /// to an even size; little-endian).
    private static func chunks(_ read: Reader, from start: Int, lengthFirst: Bool) -> [Block] {
        var blocks: [Block] = []
        var offset = start
        while blocks.count < mostBlocks, let header = read(offset, 8) {
            let length = Int(ByteFields.unsigned(header, at: lengthFirst ? 0 : 4, size: 4, littleEndian: !lengthFirst) ?? 0)
            let kind = String(decoding: header[(lengthFirst ? 4 : 0)..<(lengthFirst ? 8 : 4)], as: UTF8.self)
            blocks.append(Block(kind: kind, offset: offset + 8, length: length))
            if lengthFirst && kind == "IEND" { break }
            offset += 8 + length + (lengthFirst ? 4 : length & 1)
        }
        return blocks
    }
}
