import Foundation
import Testing

/// The playground holds the user's API key in local storage: it may not be framed, sniffed or
/// leak a referrer, and its Content-Security-Policy allows only its own script, styles and API
/// calls; the page must need nothing that policy forbids.
@Suite(.serialized)
struct BrowserHeadersTests {
    static let playground = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources/ZoetropeServer/Resources/playground")

    @Test func playgroundAndEveryAnswerCarryBrowserHeaders() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndClean() } }
        let page = try await HTTPTestClient.send(.GET, "\(server.baseURL)/")
        #expect(page.status == 200)
        #expect(page.headers.first(name: "Content-Type")?.hasPrefix("text/html") == true)
        let policy = try #require(page.headers.first(name: "Content-Security-Policy"))
        let directives = Dictionary(
            policy.split(separator: ";").map { directive -> (String, String) in
                let words = directive.trimmingCharacters(in: .whitespaces).split(separator: " ", maxSplits: 1)
                return (String(words[0]), words.count > 1 ? String(words[1]) : "")
            },
            uniquingKeysWith: { first, _ in first })
        #expect(directives["default-src"] == "'none'")
        #expect(directives["script-src"] == "'self'")
        #expect(directives["style-src"] == "'self'")
        #expect(directives["connect-src"] == "'self'")
        #expect(directives["frame-ancestors"] == "'none'")
        #expect(directives["object-src"] == "'none'")
        #expect(directives["base-uri"] == "'none'")
        #expect(!policy.contains("unsafe-inline") && !policy.contains("unsafe-eval"), "\(policy)")
        // A result video may come from the blob store's origin, previews are data:/blob: URLs.
        for source in ["https:", "blob:", "data:"] {
            #expect(directives["media-src"]?.contains(source) == true)
            #expect(directives["img-src"]?.contains(source) == true)
        }

        let script = try await HTTPTestClient.send(.GET, "\(server.baseURL)/playground/playground.js")
        let notFound = try await HTTPTestClient.send(.GET, "\(server.baseURL)/v3/nothing")
        let models = try await HTTPTestClient.send(.GET, "\(server.baseURL)/v1/models")
        for (name, reply) in [("page", page), ("script", script), ("404", notFound), ("models", models)] {
            #expect(reply.headers.first(name: "X-Content-Type-Options") == "nosniff", "\(name)")
            #expect(reply.headers.first(name: "Referrer-Policy") == "no-referrer", "\(name)")
            #expect(reply.headers.first(name: "X-Frame-Options") == "DENY", "\(name)")
        }
        #expect(notFound.status == 404)
        #expect(script.headers.first(name: "Content-Security-Policy") == nil, "the policy is for HTML")
    }

    @Test func playgroundNeedsNothingThePolicyForbids() throws {
        let html = try String(contentsOf: Self.playground.appendingPathComponent("index.html"), encoding: .utf8)
        let script = try String(contentsOf: Self.playground.appendingPathComponent("playground.js"), encoding: .utf8)
        let styles = try String(contentsOf: Self.playground.appendingPathComponent("playground.css"), encoding: .utf8)
        // Every script is a file of this origin; no inline script, style or handler.
        let scriptTags = html.matches(of: /<script\b[^>]*>/).map { String($0.output) }
        #expect(!scriptTags.isEmpty)
        for tag in scriptTags { #expect(tag.contains("src=\"playground/"), "inline or foreign script: \(tag)") }
        #expect(!html.contains(/<style\b/), "inline <style>")
        #expect(!html.contains(/\sstyle\s*=/), "style attribute")
        #expect(!html.contains(/\son[a-z]+\s*=/), "inline event handler")
        #expect(!html.contains(/(src|href)="(https?:)?\/\//), "a resource from another origin")
        // The script builds the page without anything a strict policy blocks.
        #expect(!script.contains(/\beval\s*\(|new\s+Function\s*\(|javascript:/))
        #expect(!script.contains(/setAttribute\(\s*["']style["']|[{,]\s*["']?style["']?\s*:/), "a style attribute")
        #expect(!script.contains(/\.(inner|outer)HTML\s*=(?!\s*(""|''))|insertAdjacentHTML|document\.write/), "HTML from strings")
        #expect(!script.contains(/fetch\(\s*["'`]https?:/), "an API call to another origin")
        #expect(!styles.contains(/@import|url\(\s*["']?https?:/), "a style resource from another origin")
    }
}
