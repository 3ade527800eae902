import Testing
import ZoetropeCore

struct DurationTextTests {
    @Test(arguments: [("90", 90.0), ("30s", 30), ("15m", 900), ("1h", 3600), ("2h30m", 9000), ("1.5h", 5400), ("1d", 86400)])
    func parses(text: String, seconds: Double) {
        #expect(DurationText.seconds(text) == seconds)
    }

    @Test(arguments: ["", "h", "1x", "-5", "10m5"])
    func refuses(text: String) {
        #expect(DurationText.seconds(text) == nil)
    }
}
