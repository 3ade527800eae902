#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The SSRF guard: which network destinations input URLs may reach. Loopback, private,
/// link-local, unspecified and other non-public addresses are refused unless private inputs are
/// allowed.
public enum AddressPolicy {
    /// An IP address as raw bytes (4 for IPv4, 16 for IPv6).
    public struct Address: Sendable, Equatable, CustomStringConvertible {
        public var bytes: [UInt8]
        public init(_ bytes: [UInt8]) { self.bytes = bytes }

        public var description: String {
            if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
            var groups: [String] = []
            for index in stride(from: 0, to: 16, by: 2) {
                groups.append(String(UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1]), radix: 16))
            }
            return groups.joined(separator: ":")
        }
    }

    /// Why an address is not public, or nil when it is.
    public static func refusal(for address: Address) -> String? {
        let b = address.bytes
        if b.count == 4 {
            switch (b[0], b[1]) {
            case (0, _): return "an unspecified address"
            case (127, _): return "a loopback address"
            case (10, _): return "a private address"
            case (172, 16...31): return "a private address"
            case (192, 168): return "a private address"
            case (169, 254): return "a link-local address"
            case (100, 64...127): return "a shared (carrier-grade NAT) address"
            case (192, 0) where b[2] == 0: return "a reserved address"
            case (198, 18...19): return "a reserved address"
            case (224...255, _): return "a multicast or reserved address"
            default: return nil
            }
        }
        guard b.count == 16 else { return "an unknown kind of address" }
        if b.allSatisfy({ $0 == 0 }) { return "an unspecified address" }
        if b[0..<15].allSatisfy({ $0 == 0 }) && b[15] == 1 { return "a loopback address" }
        if b[0..<10].allSatisfy({ $0 == 0 }) && b[10] == 0xff && b[11] == 0xff {
            return refusal(for: Address(Array(b[12..<16])))  // IPv4-mapped
        }
        if b[0] == 0x64 && b[1] == 0xff && b[2] == 0x9b && b[3..<12].allSatisfy({ $0 == 0 }) {
            return refusal(for: Address(Array(b[12..<16])))  // NAT64
        }
        if b[0] & 0xfe == 0xfc { return "a private (unique local) address" }
        if b[0] == 0xfe && b[1] & 0xc0 == 0x80 { return "a link-local address" }
        if b[0] == 0xff { return "a multicast address" }
        return nil
    }

    /// Resolves a host name (or IP literal) to its addresses. Blocking.
    public static func resolve(host: String) throws -> [Address] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var result: UnsafeMutablePointer<addrinfo>?
        let name = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        let status = getaddrinfo(name, nil, &hints, &result)
        guard status == 0, let first = result else {
            throw ResolutionError(host: host, reason: String(cString: gai_strerror(status)))
        }
        defer { freeaddrinfo(first) }
        var addresses: [Address] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let info = cursor {
            if let sockaddr = info.pointee.ai_addr {
                switch Int32(info.pointee.ai_family) {
                case AF_INET:
                    sockaddr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { pointer in
                        var raw = pointer.pointee.sin_addr
                        addresses.append(Address(withUnsafeBytes(of: &raw) { Array($0) }))
                    }
                case AF_INET6:
                    sockaddr.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                        var raw = pointer.pointee.sin6_addr
                        addresses.append(Address(withUnsafeBytes(of: &raw) { Array($0) }))
                    }
                default: break
                }
            }
            cursor = info.pointee.ai_next
        }
        return addresses
    }

    /// A host name that does not resolve.
    public struct ResolutionError: Error, CustomStringConvertible {
        public var host: String
        public var reason: String
        public var description: String { "could not resolve host '\(host)': \(reason)" }
    }
}
