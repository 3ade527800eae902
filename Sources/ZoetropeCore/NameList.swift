/// Names quoted back to a client (unknown parameters, fields): a few of them, each cut short, and
/// a count of the rest, so an error never grows with what a body holds.
public enum NameList {
    /// `a, b, c, d, e and 7 more`; each name cut to 40 characters.
    public static func brief(_ names: [String], shown: Int = 5) -> String {
        let cut = names.prefix(shown).map { $0.count > 40 ? String($0.prefix(40)) + "…" : $0 }
        let rest = names.count - cut.count
        return cut.joined(separator: ", ") + (rest > 0 ? " and \(rest) more" : "")
    }
}
