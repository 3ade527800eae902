import Foundation

/// An amount of credits, held exactly as whole millionths (so sums never drift the way floating
/// point does), written as a decimal ("12.5").
public struct Credits: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public static let scale: Int64 = 1_000_000
    public var micros: Int64

    public init(micros: Int64) { self.micros = micros }

    public static let zero = Credits(micros: 0)

    /// Parses a decimal such as "10", "0.25" or "-3.5" (at most 6 decimal places).
    public init?(_ text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let decimal = Decimal(string: trimmed, locale: Locale(identifier: "en_US_POSIX")), !trimmed.isEmpty,
            trimmed.allSatisfy({ $0.isNumber || $0 == "." || $0 == "-" || $0 == "+" })
        else { return nil }
        var scaled = decimal * Decimal(Self.scale)
        var rounded = Decimal()
        NSDecimalRound(&rounded, &scaled, 0, .plain)
        guard rounded == scaled, abs((rounded as NSDecimalNumber).doubleValue) < 9e15 else { return nil }
        micros = (rounded as NSDecimalNumber).int64Value
    }

    /// A price per second times whole seconds.
    public static func * (price: Credits, seconds: Int) -> Credits { Credits(micros: price.micros * Int64(seconds)) }
    public static func + (a: Credits, b: Credits) -> Credits { Credits(micros: a.micros + b.micros) }
    public static func < (a: Credits, b: Credits) -> Bool { a.micros < b.micros }

    /// The decimal, without trailing zeros ("12.5", "3", "0.000001").
    public var description: String {
        let sign = micros < 0 ? "-" : ""
        let magnitude = micros.magnitude
        let whole = magnitude / UInt64(Self.scale)
        var fraction = String(magnitude % UInt64(Self.scale))
        fraction = String(repeating: "0", count: 6 - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return sign + String(whole) + (fraction.isEmpty ? "" : "." + fraction)
    }

    /// As a number for JSON (exact for every amount up to 9 × 10⁹ credits).
    public var number: Double { Double(description) ?? 0 }

    /// As a JSON number.
    public var json: JSONValue { .number(number) }
}
