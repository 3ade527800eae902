import Foundation
import Hummingbird
import ZoetropeCore

/// The query of `GET /v1/requests` — status, model, time window and page — read with the rules
/// the OpenAPI document states (the document's parameter schemas come from here).
struct HistoryQuery {
    var filter = JobFilter()
    var page = 1
    var perPage = 20

    static let pages = 1...1_000_000
    static let perPageRange = 1...100
    /// The accepted `status` values: each state in upper or lower case.
    static let statusValues = JobStatus.allCases.map(\.rawValue) + JobStatus.allCases.map { $0.rawValue.lowercased() }
    /// Unix seconds as the document states them.
    static let unixSecondsPattern = "^-?[0-9]{1,11}(\\.[0-9]{1,6})?$"
    /// `from` and `to`: an RFC 3339 time or Unix seconds.
    static let timeSchema: JSONValue = [
        "anyOf": [["type": "string", "format": "date-time"], ["type": "string", "pattern": .string(unixSecondsPattern)]],
    ]

    init(_ request: Request) throws {
        let query = request.uri.queryParameters
        func value(_ name: String) -> String? { query[Substring(name)].map(String.init) }
        if let status = value("status") {
            guard Self.statusValues.contains(status), let parsed = JobStatus(rawValue: status.uppercased()) else {
                throw APIError.badRequest(
                    "status must be one of \(JobStatus.allCases.map(\.rawValue).joined(separator: ", ")); got \"\(status)\"")
            }
            filter.status = parsed
        }
        if let model = value("model"), !model.isEmpty { filter.model = model }
        filter.from = try value("from").map { try Self.time($0, name: "from") }
        filter.to = try value("to").map { try Self.time($0, name: "to") }
        page = try Self.number(value("page"), name: "page", default: 1, range: Self.pages)
        perPage = try Self.number(value("per_page"), name: "per_page", default: 20, range: Self.perPageRange)
    }

    /// An RFC 3339 time: date, time, seconds, fraction, zone.
    nonisolated(unsafe) static let rfc3339 = try! Regex(
        #"^([0-9]{4}-[0-9]{2}-[0-9]{2})[Tt]([0-9]{2}:[0-9]{2}):([0-9]{2})(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})$"#)

    /// Unix seconds or an RFC 3339 time (`T`/`Z` in either case, any fraction, a leap second read as :59).
    static func time(_ text: String, name: String) throws -> Date {
        if ParameterType.wholeMatch(unixSecondsPattern, text), let seconds = Double(text) {
            return Date(timeIntervalSince1970: seconds)
        }
        if let match = text.wholeMatch(of: rfc3339) {
            let parts = (1...5).map { match.output[$0].substring.map(String.init) ?? "" }
            let seconds = parts[2] == "60" ? "59" : parts[2]
            var fraction = parts[3]
            if fraction.count > 4 { fraction = String(fraction.prefix(4)) }
            let zone = parts[4].uppercased()
            let normalized = "\(parts[0])T\(parts[1]):\(seconds)\(fraction)\(zone)"
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = fraction.isEmpty ? [.withInternetDateTime] : [.withInternetDateTime, .withFractionalSeconds]
            if let date = formatter.date(from: normalized) { return date }
        }
        throw APIError.badRequest("\(name) must be an RFC 3339 time (2026-01-31T12:00:00Z) or Unix seconds; got \"\(text)\"")
    }

    static func number(_ text: String?, name: String, default fallback: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text else { return fallback }
        guard let number = Int(text), range.contains(number) else {
            throw APIError.badRequest("\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound); got \"\(text)\"")
        }
        return number
    }
}
