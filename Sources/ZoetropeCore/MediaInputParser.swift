import Foundation

/// Reads one input file reference of a request: an `http(s)` URL (fetched when the job runs), a
/// `data:` URI or bare base64 (decoded now), at most 50 MB, refusing anything else with an
/// `InvalidRequest` naming the field.
public enum MediaInputParser {
    /// Largest input accepted, inline or fetched.
    public static let maxBytes = 50 * 1024 * 1024

    /// An `http(s)` URL, a `data:` URI or bare base64, at most 50 MB once decoded.
    public static func parse(_ value: JSONValue, field: String, kind: String) throws -> MediaInput {
        guard case .string(let raw) = value else {
            throw InvalidRequest(field, "must be a string (\(kind) as a URL, data URI or base64), got \(value.typeName)")
        }
        let text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.isEmpty {
            throw InvalidRequest(field, "must not be empty; give an http(s) URL, a data: URI or base64 data of \(kind)")
        }
        let lower = text.prefix(8).lowercased()
        if lower.hasPrefix("http://") || lower.hasPrefix("https://") {
            guard let url = URL(string: text), let host = url.host, !host.isEmpty else {
                throw InvalidRequest(field, "is not a valid URL")
            }
            return .remote(url)
        }
        if lower.hasPrefix("data:") {
            guard let comma = text.firstIndex(of: ",") else {
                throw InvalidRequest(field, "is a data: URI without a comma before its data")
            }
            let header = text[text.index(text.startIndex, offsetBy: 5)..<comma].lowercased()
            guard header.hasSuffix(";base64") else {
                throw InvalidRequest(field, "data: URI must be base64-encoded (\";base64,\")")
            }
            let payload = text[text.index(after: comma)...]
            return .inline(try decodeBase64(payload, field: field, kind: kind))
        }
        if let colon = text.firstIndex(of: ":"), text.distance(from: text.startIndex, to: colon) < 12,
            text[..<colon].allSatisfy({ $0.isLetter })
        {
            throw InvalidRequest(
                field, "uses the unsupported scheme '\(text[..<colon])'; give an http(s) URL, a data: URI or base64")
        }
        return .inline(try decodeBase64(Substring(text), field: field, kind: kind, bare: true))
    }

    private static func decodeBase64(_ payload: Substring, field: String, kind: String, bare: Bool = false) throws -> Data {
        // Worst case before decoding: 4 characters per 3 bytes.
        if payload.utf8.count > (maxBytes / 3 + 2) * 4 + 1024 {
            throw InvalidRequest(field, "is larger than the 50 MB limit")
        }
        // Work on bytes: strip whitespace, map the URL-safe alphabet, restore missing padding.
        var cleaned = [UInt8]()
        cleaned.reserveCapacity(payload.utf8.count + 2)
        for byte in payload.utf8 {
            switch byte {
            case 0x20, 0x09, 0x0A, 0x0D: continue
            case UInt8(ascii: "-"): cleaned.append(UInt8(ascii: "+"))
            case UInt8(ascii: "_"): cleaned.append(UInt8(ascii: "/"))
            default: cleaned.append(byte)
            }
        }
        switch cleaned.count % 4 {
        case 2: cleaned += [UInt8(ascii: "="), UInt8(ascii: "=")]
        case 3: cleaned.append(UInt8(ascii: "="))
        default: break
        }
        guard !cleaned.isEmpty, let data = Data(base64Encoded: Data(cleaned)) else {
            throw InvalidRequest(
                field: field, message: bare
                    ? "\(field) must be an http(s) URL, a data: URI or base64-encoded data of \(kind)"
                    : "\(field) data: URI does not hold valid base64")
        }
        if data.count > maxBytes {
            throw InvalidRequest(field, "is \(data.count / (1024 * 1024)) MB; at most 50 MB is allowed")
        }
        return data
    }
}
