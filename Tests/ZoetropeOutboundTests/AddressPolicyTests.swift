import Foundation
import Testing
import ZoetropeOutbound

/// The outbound address policy against the shared table (`Tests/Fixtures/outbound-addresses.json`,
/// also read by the LTX-2 worker's tests), and the resolver's view of names and literals.
struct AddressPolicyTests {
    /// One row of the shared table.
    struct Row: Decodable, Sendable, CustomTestStringConvertible {
        let address: String
        let refused: Bool
        let why: String
        var testDescription: String { "\(address) (\(why))" }
    }

    static let table: (rows: [Row], defaultPorts: [Int]) = {
        struct Table: Decodable {
            let addresses: [Row]
            let default_ports: [Int]
        }
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/outbound-addresses.json")
        let table = try! JSONDecoder().decode(Table.self, from: Data(contentsOf: url))
        return (table.addresses, table.default_ports)
    }()

    @Test(arguments: table.rows)
    func judgesTheSharedTable(row: Row) throws {
        let address = try #require(IPAddress(row.address), "the table's address \(row.address) must parse")
        let refusal = AddressPolicy.refusal(for: address)
        #expect((refusal != nil) == row.refused, "\(row.address) (\(row.why)): \(refusal ?? "allowed")")
    }

    @Test func tableCoversEveryRefusedRange() throws {
        let addresses = Self.table.rows.filter(\.refused).compactMap { IPAddress($0.address) }
        for range in AddressPolicy.refusedIPv4 + AddressPolicy.refusedIPv6 {
            #expect(addresses.contains { range.contains($0) }, "no row of the table lies in \(range) (\(range.name))")
        }
    }

    @Test func defaultPortsMatchTheTable() {
        #expect(OutboundPolicy.defaultPorts == Self.table.defaultPorts)
        #expect(OutboundPolicy(extraPorts: [8443, 80]).allowedPorts == [80, 443, 8443])
    }

    @Test func parsesAndPrintsAddresses() throws {
        #expect(IPAddress("10.0.0.1")?.bytes == [10, 0, 0, 1])
        #expect(IPAddress("[::1]")?.description == "::1")
        #expect(IPAddress("::ffff:127.0.0.1").map(AddressPolicy.refusal) == "a loopback address")
        #expect(IPAddress("example.com") == nil)
        #expect(IPAddress("2130706433") == nil, "a bare number is a name for the resolver, not a literal")
    }

    @Test(arguments: ["localhost", "127.1", "2130706433", "0x7f000001", "[::1]", "::ffff:7f00:1"])
    func resolvedLoopbackFormsAreRefused(host: String) throws {
        let addresses = try HostResolver.resolveBlocking(host)
        #expect(!addresses.isEmpty)
        #expect(addresses.allSatisfy { AddressPolicy.refusal(for: $0) != nil }, "\(host) → \(addresses)")
    }

    @Test func refusesPortsOutsideTheAllowList() async throws {
        let policy = OutboundPolicy()
        for (url, port) in [("http://8.8.8.8:22/x.jpg", 22), ("https://1.1.1.1:8443/x.jpg", 8443), ("http://8.8.8.8:21/", 21)] {
            await #expect(throws: OutboundError(field: "f", host: URL(string: url)!.host!, reason: .portNotAllowed(port, allowed: [80, 443]))) {
                try await policy.destination(for: URL(string: url)!, field: "f")
            }
        }
        let destination = try await OutboundPolicy(extraPorts: [8443]).destination(
            for: URL(string: "https://1.1.1.1:8443/x.jpg")!, field: "f")
        #expect(destination.addresses == [IPAddress("1.1.1.1")!])
        let checked = try await policy.destination(for: URL(string: "http://8.8.8.8/x.jpg")!, field: "f")
        #expect(checked.port == 80)
    }

    @Test func refusesOtherSchemesAndPrivateHostsNamingTheField() async throws {
        let policy = OutboundPolicy()
        do {
            _ = try await policy.destination(for: URL(string: "http://localhost/x.jpg")!, field: "start_image_url")
            Issue.record("localhost was allowed")
        } catch let error as OutboundError {
            #expect(error.description.hasPrefix("start_image_url: localhost is not a public address"))
            #expect(!error.description.contains("127.0.0.1") && !error.description.contains("::1"))
        }
        await #expect(throws: OutboundError.self) {
            try await policy.destination(for: URL(string: "ftp://8.8.8.8/x.jpg")!, field: "f")
        }
        let open = try await OutboundPolicy(allowPrivate: true).destination(
            for: URL(string: "http://localhost:9/x.jpg")!, field: "f")
        #expect(open.addresses.isEmpty && open.port == 9)
    }
}
