import Foundation

/// Parses human sizes such as `200MB`, `2GiB`, `512k` or a bare number of bytes. Units are binary
/// whichever spelling is used (`1MB` = `1MiB` = 1 048 576 bytes), as the server's defaults are.
public enum ByteCountText {
    public static func bytes(_ text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let digits = trimmed.prefix { $0.isNumber || $0 == "." }
        guard let value = Double(digits), value >= 0 else { return nil }
        let unit = trimmed.dropFirst(digits.count).trimmingCharacters(in: .whitespaces)
        let power: Int
        switch unit {
        case "", "b": power = 0
        case "k", "kb", "kib": power = 10
        case "m", "mb", "mib": power = 20
        case "g", "gb", "gib": power = 30
        case "t", "tb", "tib": power = 40
        default: return nil
        }
        let bytes = (value * Double(1 << power)).rounded(.down)
        guard bytes < Double(Int.max) else { return nil }
        return Int(bytes)
    }
}
