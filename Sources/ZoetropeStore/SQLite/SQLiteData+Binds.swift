import Foundation
import SQLiteNIO

/// The bound values the stores' statements use for dates and optional text.
extension SQLiteData {
    static func date(_ date: Date) -> SQLiteData { .float(date.timeIntervalSince1970) }
    static func optionalDate(_ date: Date?) -> SQLiteData { date.map { .date($0) } ?? .null }
    static func optionalText(_ text: String?) -> SQLiteData { text.map { .text($0) } ?? .null }
}
