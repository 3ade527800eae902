import Foundation
import ZoetropeCore

/// The one content type a JSON body may declare: `application/json`, with no parameter but
/// `charset=utf-8`. Anything else (`+json` types, other charsets, a missing header) is a 415.
enum JSONContentType {
    /// Throws a 415 naming what was sent, unless `header` declares JSON in UTF-8.
    static func check(_ header: String?) throws {
        guard let header, !header.isEmpty else {
            throw APIError.unsupportedMediaType("request body must be JSON: send Content-Type: application/json")
        }
        let parts = header.split(separator: ";", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        let parameters = parts.dropFirst()
        let isUTF8 = parameters.allSatisfy { parameter in
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            return pair.count == 2 && pair[0] == "charset"
                && ["utf-8", "\"utf-8\"", "utf8"].contains(pair[1])
        }
        guard parts.first == "application/json", isUTF8 else {
            let shown = header.count > 80 ? String(header.prefix(80)) + "…" : header
            throw APIError.unsupportedMediaType(
                "request body must be application/json (UTF-8), not \(shown)")
        }
    }
}
