import Foundation
import ZoetropeCore

/// How a job's request goes to an upstream: its validated parameters in the public names a client
/// sends (durations as `"5"`, as Segmind's table writes them; absent and empty fields left out),
/// each input the gateway stores as a signed link to it when the gateway has a public URL (the
/// upstream fetches it) and inline as a base64 `data:` URI otherwise, and a client's own URL as
/// it was sent. The links expire when the job's retention ends, so the same job always makes the
/// same body (a submit repeated after a restart is recognised by its idempotency key).
public struct UpstreamInputs: Sendable {
    /// Signs a GET link to a stored blob, valid until the given time; nil sends inputs inline.
    let link: (@Sendable (_ key: String, _ expires: Date) -> String)?
    /// How long after submission a job's inputs are kept, in seconds (the links' lifetime).
    let retention: Double

    public init(link: (@Sendable (_ key: String, _ expires: Date) -> String)?, retention: Double) {
        self.link = link
        self.retention = retention
    }

    /// The body of the submit for `request`, whose stored inputs are in the context's input directory.
    func body(for request: JobRequest, context: RenderContext) throws -> JSONValue {
        let expires = context.submittedAt.addingTimeInterval(retention)
        let parameters = try request.publicParameters(durations: .text) { field, input -> JSONValue in
            switch input {
            case .remote(let url): return .string(url.absoluteString)
            case .inline(let data): return .string(Self.dataURI(data))
            case .stored(let name):
                if let link { return .string(link(BlobKey.input(jobID: context.jobID, name: name), expires)) }
                do {
                    return .string(Self.dataURI(try Data(contentsOf: context.inputDirectory.appendingPathComponent(name))))
                } catch {
                    throw RenderError("\(field): the request's input is no longer stored")
                }
            }
        }
        return Self.trimmed(parameters)
    }

    /// `value` without nulls and empty arrays, in objects at every level.
    static func trimmed(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let fields):
            return .object(fields.compactMapValues { field -> JSONValue? in
                switch field {
                case .null: nil
                case .array(let items) where items.isEmpty: nil
                default: trimmed(field)
                }
            })
        case .array(let items): return .array(items.map(trimmed))
        default: return value
        }
    }

    /// `data` as a `data:` URI, its media type read from its first bytes.
    static func dataURI(_ data: Data) -> String {
        "data:\(mediaType(of: data));base64,\(data.base64EncodedString())"
    }

    /// The media type of an image or sound file from its signature; `application/octet-stream`
    /// when it is none of those.
    static func mediaType(of data: Data) -> String {
        let head = [UInt8](data.prefix(12))
        func starts(_ bytes: [UInt8], at offset: Int = 0) -> Bool {
            head.count >= offset + bytes.count && Array(head[offset..<offset + bytes.count]) == bytes
        }
        if starts([0xFF, 0xD8, 0xFF]) { return "image/jpeg" }
        if starts([0x89, 0x50, 0x4E, 0x47]) { return "image/png" }
        if starts(Array("GIF8".utf8)) { return "image/gif" }
        if starts(Array("RIFF".utf8)), starts(Array("WEBP".utf8), at: 8) { return "image/webp" }
        if starts(Array("RIFF".utf8)), starts(Array("WAVE".utf8), at: 8) { return "audio/wav" }
        if starts(Array("ftyp".utf8), at: 4) { return "video/mp4" }
        if starts(Array("ID3".utf8)) || starts([0xFF, 0xFB]) { return "audio/mpeg" }
        return "application/octet-stream"
    }
}
