import ArgumentParser
import Foundation
import ZoetropeClient

/// `--server` and `--api-key` of the client commands (falling back to `ZOETROPE_BASE_URL` and
/// `ZOETROPE_API_KEY`, then `SEGMIND_API_KEY`, as the SDK does).
struct ClientOptions: ParsableArguments {
    @Option(help: "The server's base URL (ZOETROPE_BASE_URL; default http://127.0.0.1:8080).")
    var server: String?

    @Option(name: .customLong("api-key"), help: "API key (ZOETROPE_API_KEY, then SEGMIND_API_KEY).")
    var apiKey: String?

    func client() throws -> Client {
        var base: URL?
        if let server {
            guard let url = URL(string: server), url.scheme == "http" || url.scheme == "https" else {
                throw ValidationError("--server must be an http(s) URL, got \(server)")
            }
            base = url
        }
        let client = Client(apiKey: apiKey, baseURL: base)
        guard !client.apiKey.isEmpty else {
            throw ValidationError("no API key: pass --api-key or set ZOETROPE_API_KEY")
        }
        return client
    }
}
