/// A key's balance is short of a request's price: what was needed and what the key has.
public struct InsufficientCredits: Error, Sendable, Equatable, CustomStringConvertible {
    public var needed: Credits
    public var available: Credits

    public init(needed: Credits, available: Credits) {
        self.needed = needed
        self.available = available
    }

    /// The sentence the client sees.
    public var message: String { "insufficient credits: need \(needed), have \(available)" }

    public var description: String { message }
}
