/// Which addresses outbound requests may reach: every address except the IANA special-purpose
/// blocks for IPv4 and IPv6, multicast and IPv6 outside global unicast (2000::/3). IPv6 forms that
/// carry an IPv4 address (mapped, translated, compatible, NAT64, 6to4) are judged by that address.
/// The table every fetcher must agree with is `Tests/Fixtures/outbound-addresses.json`.
public enum AddressPolicy {
    /// IPv4 blocks that are refused: the IANA IPv4 special-purpose registry, multicast and the rest
    /// of class E.
    public static let refusedIPv4: [AddressRange] = [
        AddressRange("0.0.0.0/8", "this network"),
        AddressRange("10.0.0.0/8", "a private address"),
        AddressRange("100.64.0.0/10", "a shared (carrier-grade NAT) address"),
        AddressRange("127.0.0.0/8", "a loopback address"),
        AddressRange("169.254.0.0/16", "a link-local address"),
        AddressRange("172.16.0.0/12", "a private address"),
        AddressRange("192.0.0.0/24", "an IETF protocol assignment"),
        AddressRange("192.0.2.0/24", "a documentation address"),
        AddressRange("192.31.196.0/24", "an AS112 address"),
        AddressRange("192.52.193.0/24", "an AMT address"),
        AddressRange("192.88.99.0/24", "a 6to4 relay address"),
        AddressRange("192.168.0.0/16", "a private address"),
        AddressRange("192.175.48.0/24", "an AS112 address"),
        AddressRange("198.18.0.0/15", "a benchmarking address"),
        AddressRange("198.51.100.0/24", "a documentation address"),
        AddressRange("203.0.113.0/24", "a documentation address"),
        AddressRange("224.0.0.0/4", "a multicast address"),
        AddressRange("240.0.0.0/4", "a reserved address"),
    ]

    /// IPv6 blocks whose last 32 bits are an IPv4 address, judged as that address; 6to4 carries it
    /// in bytes 2–5.
    static let wrappingIPv4: [(range: AddressRange, offset: Int)] = [
        (AddressRange("::ffff:0:0/96", "IPv4-mapped"), 12),
        (AddressRange("::ffff:0:0:0/96", "IPv4-translated"), 12),
        (AddressRange("64:ff9b::/96", "NAT64"), 12),
        (AddressRange("2002::/16", "6to4"), 2),
    ]

    /// IPv6 blocks that are refused: the IANA IPv6 special-purpose registry, site-local, multicast.
    public static let refusedIPv6: [AddressRange] = [
        AddressRange("::/128", "an unspecified address"),
        AddressRange("::1/128", "a loopback address"),
        AddressRange("64:ff9b:1::/48", "a local-use translation address"),
        AddressRange("100::/64", "a discard-only address"),
        AddressRange("100:0:0:1::/64", "a dummy address"),
        AddressRange("2001:db8::/32", "a documentation address"),
        AddressRange("2001::/23", "an IETF protocol assignment"),
        AddressRange("2620:4f:8000::/48", "an AS112 address"),
        AddressRange("3fff::/20", "a documentation address"),
        AddressRange("5f00::/16", "a segment-routing address"),
        AddressRange("fc00::/7", "a private (unique local) address"),
        AddressRange("fe80::/10", "a link-local address"),
        AddressRange("fec0::/10", "a site-local address"),
        AddressRange("ff00::/8", "a multicast address"),
    ]

    static let compatibleIPv4 = AddressRange("::/96", "IPv4-compatible")
    static let globalUnicast = AddressRange("2000::/3", "global unicast")

    /// Why `address` may not be reached ("a loopback address", …), or nil when it is public.
    public static func refusal(for address: IPAddress) -> String? {
        if address.isIPv4 {
            return refusedIPv4.first { $0.contains(address) }?.name
        }
        if let named = refusedIPv6.first(where: { $0.contains(address) }) { return named.name }
        for (range, offset) in wrappingIPv4 where range.contains(address) {
            return refusal(for: address.embeddedIPv4(at: offset))
        }
        // `::a.b.c.d` (:: and ::1 are refused above).
        if compatibleIPv4.contains(address) { return refusal(for: address.embeddedIPv4(at: 12)) }
        if !globalUnicast.contains(address) { return "not a global unicast address" }
        return nil
    }
}
