import Foundation

/// A line a media tool (ffmpeg, ffprobe, espeak-ng) printed, made fit to show a client: no heap
/// pointers (`[png @ 0x55d…]`), no server-side paths, no more than 200 characters.
public enum ToolMessage {
    nonisolated(unsafe) private static let context = try! Regex(#"\[[^\]\s]+ @ 0x[0-9A-Fa-f]+\]\s*"#)
    nonisolated(unsafe) private static let pointer = try! Regex(#"0x[0-9A-Fa-f]{6,}"#)
    nonisolated(unsafe) private static let path = try! Regex(#"(^|[\s(\['"=])(?:file:)?/(?:[^\s/:'",]+/)+[^\s/:'",]*"#)

    /// `line` with pointers and paths taken out (`file`'s path, with its `: ` after it, first).
    public static func clientSafe(_ line: String, hiding file: URL? = nil) -> String {
        var text = line
        if let file {
            text = text.replacingOccurrences(of: file.path + ": ", with: "")
                .replacingOccurrences(of: file.path, with: "the file")
        }
        text = text.replacing(context, with: "")
            .replacing(pointer, with: "")
            .replacing(path) { match in (match.output[1].substring ?? "") + "a file" }
            .trimmingCharacters(in: .whitespaces)
        return text.count > 200 ? String(text.prefix(200)) + "…" : text
    }
}
