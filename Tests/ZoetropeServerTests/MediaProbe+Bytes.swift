import Foundation
import ZoetropeMedia

/// Probing a video the tests hold as bytes (a download, a sync answer).
extension MediaProbe {
    /// Writes `data` to a temporary file and probes it, counting its frames.
    static func probe(_ data: Data) throws -> MediaProbe {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("probe-\(UUID().uuidString).mp4")
        try data.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        return try probe(file, countingFrames: true)
    }

    /// Whether the `moov` atom precedes `mdat` (`+faststart`).
    static func isFastStart(_ data: Data) -> Bool {
        let moov = data.range(of: Data("moov".utf8))?.lowerBound ?? Int.max
        let mdat = data.range(of: Data("mdat".utf8))?.lowerBound ?? Int.max
        return moov < mdat
    }
}
