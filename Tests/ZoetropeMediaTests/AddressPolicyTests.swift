import Testing
import ZoetropeMedia

/// The SSRF guard's classification of destinations.
struct AddressPolicyTests {
    @Test(arguments: [
        "127.0.0.1", "localhost", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254",
        "0.0.0.0", "100.64.0.1", "::1", "::", "fe80::1", "fc00::1", "fd12:3456::1", "::ffff:127.0.0.1",
        "::ffff:10.0.0.1", "224.0.0.1",
    ])
    func refusesNonPublicDestinations(host: String) throws {
        let addresses = try AddressPolicy.resolve(host: host)
        #expect(!addresses.isEmpty)
        #expect(addresses.allSatisfy { AddressPolicy.refusal(for: $0) != nil }, "\(host) → \(addresses)")
    }

    @Test(arguments: ["8.8.8.8", "1.1.1.1", "172.32.0.1", "2606:4700:4700::1111"])
    func allowsPublicAddresses(host: String) throws {
        let addresses = try AddressPolicy.resolve(host: host)
        #expect(addresses.allSatisfy { AddressPolicy.refusal(for: $0) == nil })
    }

    @Test func describesAddresses() {
        #expect(AddressPolicy.Address([10, 0, 0, 1]).description == "10.0.0.1")
        #expect(AddressPolicy.refusal(for: .init([127, 0, 0, 1])) == "a loopback address")
    }
}
