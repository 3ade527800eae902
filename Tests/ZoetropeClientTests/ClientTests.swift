import Testing
import ZoetropeClient

struct ClientTests {
    @Test func version() { #expect(!ZoetropeClientVersion.current.isEmpty) }
}
