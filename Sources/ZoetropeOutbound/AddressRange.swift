/// A block of addresses (`prefix/length`) with the name the IANA registry gives it.
public struct AddressRange: Sendable, CustomStringConvertible {
    public let prefix: IPAddress
    public let length: Int
    public let name: String

    /// `cidr` is `address/length`, e.g. `"192.0.2.0/24"`; a malformed one is a programming error.
    public init(_ cidr: String, _ name: String) {
        let parts = cidr.split(separator: "/")
        guard parts.count == 2, let prefix = IPAddress(String(parts[0])), let length = Int(parts[1]),
            length >= 0, length <= prefix.bytes.count * 8
        else { preconditionFailure("malformed address range \(cidr)") }
        self.prefix = prefix
        self.length = length
        self.name = name
    }

    /// Whether `address` (of the same family) lies in this block.
    public func contains(_ address: IPAddress) -> Bool {
        guard address.bytes.count == prefix.bytes.count else { return false }
        var bits = length
        for (a, p) in zip(address.bytes, prefix.bytes) where bits > 0 {
            let mask: UInt8 = bits >= 8 ? 0xff : ~(0xff >> UInt8(bits))
            if a & mask != p & mask { return false }
            bits -= 8
        }
        return true
    }

    public var description: String { "\(prefix)/\(length)" }
}
