/// Unsigned integers as container formats lay them out in a file's bytes (MP4 boxes, JPEG
/// segments, PNG and WebP chunks, TIFF directories).
enum ByteFields {
    /// The unsigned integer in the `size` bytes at `offset` (counted from `bytes`' start), most
    /// significant byte first unless `littleEndian`; nil past the end.
    static func unsigned<Bytes: RandomAccessCollection<UInt8>>(
        _ bytes: Bytes, at offset: Int, size: Int, littleEndian: Bool = false
    ) -> UInt64? where Bytes.Index == Int {
        guard offset >= 0, size >= 0, offset <= bytes.count - size else { return nil }
        let start = bytes.startIndex + offset
        let field = bytes[start..<start + size]
        return (littleEndian ? Array(field.reversed()) : Array(field)).reduce(0) { $0 << 8 | UInt64($1) }
    }
}
