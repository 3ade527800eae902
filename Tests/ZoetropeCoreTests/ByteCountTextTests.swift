import Testing
import ZoetropeCore

struct ByteCountTextTests {
    @Test(arguments: [
        ("1024", 1024), ("512b", 512), ("4k", 4096), ("200MB", 200 * 1024 * 1024), ("200 MiB", 200 * 1024 * 1024),
        ("2GiB", 2 * 1024 * 1024 * 1024), ("1.5m", 3 * 512 * 1024), ("0", 0),
    ])
    func parses(text: String, bytes: Int) {
        #expect(ByteCountText.bytes(text) == bytes)
    }

    @Test(arguments: ["", "MB", "1x", "-5", "1 2MB", "1e30TB"])
    func refuses(text: String) {
        #expect(ByteCountText.bytes(text) == nil)
    }
}
