import Foundation

/// What an MP4's sample tables say of its first video track's key frames, read from the `moov`
/// box without a decoder: whether the last sample is a sync sample (a key frame a decoder can
/// start at), so the last frame decodes on its own.
public enum MP4SyncSamples {
    /// The most `moov` bytes read (a 15 s clip's is a few kilobytes).
    static let maximumMovieBytes = 16 << 20

    /// Whether `file`'s first video track ends on a sync sample; nil when the file does not say
    /// (not an MP4, no video track, fragmented, or a table cut short).
    public static func lastSampleIsSync(_ file: URL) -> Bool? {
        guard let handle = try? FileHandle(forReadingFrom: file) else { return nil }
        defer { try? handle.close() }
        guard let movie = topLevelBox("moov", in: handle) else { return nil }
        // A fragmented file's `moov` holds only what precedes its fragments.
        guard !boxes(in: movie).contains(where: { $0.type == "mvex" }) else { return nil }
        return lastSampleIsSync(movie: movie)
    }

    /// Whether the first video track of the `moov` box's payload `movie` ends on a sync sample.
    static func lastSampleIsSync(movie: Data) -> Bool? {
        for track in boxes(in: movie) where track.type == "trak" {
            guard let media = child("mdia", of: track.payload),
                let handler = child("hdlr", of: media), handler.count >= 12,
                String(decoding: handler[handler.startIndex + 8..<handler.startIndex + 12], as: UTF8.self) == "vide"
            else { continue }
            guard let table = child("minf", of: media).flatMap({ child("stbl", of: $0) }),
                let sizes = child("stsz", of: table), sizes.count >= 12
            else { return nil }
            let sampleCount = integer(sizes, at: 8)
            guard sampleCount > 0 else { return nil }
            // No sync sample table: every sample is a sync sample.
            guard let sync = child("stss", of: table) else { return true }
            guard sync.count >= 8 else { return nil }
            let entries = integer(sync, at: 4)
            guard entries > 0, sync.count >= 8 + 4 * entries else { return nil }
            return integer(sync, at: 8 + 4 * (entries - 1)) == sampleCount
        }
        return nil
    }

    /// The payload of the top-level box `type`, read by walking the box headers from the start.
    private static func topLevelBox(_ type: String, in handle: FileHandle) -> Data? {
        var offset: UInt64 = 0
        while true {
            guard (try? handle.seek(toOffset: offset)) != nil, let header = try? handle.read(upToCount: 16),
                header.count >= 8
            else { return nil }
            var size = UInt64(integer(header, at: 0))
            var headerSize: UInt64 = 8
            if size == 1 {
                guard let large = ByteFields.unsigned(header, at: 8, size: 8) else { return nil }
                size = large
                headerSize = 16
            }
            let name = String(decoding: header[header.startIndex + 4..<header.startIndex + 8], as: UTF8.self)
            if name == type {
                // Size 0: the box runs to the end of the file.
                let payload = size == 0 ? UInt64(maximumMovieBytes) : size - min(size, headerSize)
                guard payload <= UInt64(maximumMovieBytes), (try? handle.seek(toOffset: offset + headerSize)) != nil
                else { return nil }
                return try? handle.read(upToCount: Int(payload))
            }
            guard size >= headerSize else { return nil }
            let (next, overflow) = offset.addingReportingOverflow(size)
            guard !overflow else { return nil }
            offset = next
        }
    }

    /// The boxes laid end to end in `data`: each one's type and payload.
    private static func boxes(in data: Data) -> [(type: String, payload: Data)] {
        var found: [(String, Data)] = []
        var offset = 0
        while offset + 8 <= data.count {
            let size = integer(data, at: offset)
            guard size >= 8, offset + size <= data.count else { break }
            let start = data.startIndex + offset
            found.append((String(decoding: data[start + 4..<start + 8], as: UTF8.self), data[start + 8..<start + size]))
            offset += size
        }
        return found
    }

    private static func child(_ type: String, of payload: Data) -> Data? {
        boxes(in: payload).first { $0.type == type }?.payload
    }

    /// The big-endian 32-bit integer at `offset` bytes into `data` (the callers check it is there).
    private static func integer(_ data: Data, at offset: Int) -> Int {
        Int(ByteFields.unsigned(data, at: offset, size: 4)!)
    }
}
