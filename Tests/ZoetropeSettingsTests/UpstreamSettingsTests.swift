import Foundation
import Testing
import ZoetropeCore
import ZoetropeMedia
import ZoetropeServer
import ZoetropeSettings

/// The upstream settings of `serve`: upstreams, their keys (from a file or their variable, never
/// shown), routes, and the refusals that stop `serve` before it starts.
struct UpstreamSettingsTests {
    static func configuration(
        _ arguments: [String], environment: [String: String] = [:]
    ) throws -> ServerConfiguration {
        var config = try SettingsTests.configuration(arguments, environment: environment)
        try UpstreamSettings.readKeys(into: &config, environment: environment)
        try config.validateUpstreams(catalog: BuiltInEngines.catalog)
        return config
    }

    @Test func upstreamsKeysAndRoutesAreRead() throws {
        let keyFile = FileManager.default.temporaryDirectory.appendingPathComponent("upstream-key-\(UUID().uuidString)")
        try "from-a-file\n".write(to: keyFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: keyFile) }
        let config = try Self.configuration(
            ["--upstream", "segmind=https://api.segmind.com/v1", "--upstream", "edge-2=http://10.0.0.2:8080/",
             "--upstream-key-file", "edge-2=\(keyFile.path)",
             "--route", "kling-3-pro-image2video=local+upstream:segmind@2m",
             "--route", "ltx-2-image2video=upstream:edge-2/ltx-2-fast", "--upstream-poll-interval", "0.5s"],
            environment: ["ZOETROPE_UPSTREAM_KEY_SEGMIND": "sk-from-the-environment", "ZOETROPE_UPSTREAM_PATIENCE": "90s"])
        #expect(config.upstreams.map(\.name) == ["segmind", "edge-2"])
        #expect(config.upstreams.map(\.baseURL.absoluteString) == ["https://api.segmind.com", "http://10.0.0.2:8080"])
        #expect(config.upstreams.map(\.key.value) == ["sk-from-the-environment", "from-a-file"])
        #expect(config.upstreams[1].keyVariable == "ZOETROPE_UPSTREAM_KEY_EDGE_2")
        #expect(config.routes == [
            ModelRoute(model: "kling-3-pro-image2video", upstream: "segmind", overflowAfter: 120),
            ModelRoute(model: "ltx-2-image2video", upstream: "edge-2", slug: "ltx-2-fast"),
        ])
        #expect(config.upstreamPollInterval == 0.5 && config.upstreamPatience == 90 && config.upstreamConcurrency == 8)
        // The key is never in a description of the configuration.
        for text in [String(describing: config.upstreams), String(reflecting: config.upstreams), "\(config)"] {
            #expect(!text.contains("sk-from-the-environment") && !text.contains("from-a-file"))
        }
        let fromVariables = try Self.configuration([], environment: [
            "ZOETROPE_UPSTREAMS": "a=https://a.example.com,b=https://b.example.com", "ZOETROPE_UPSTREAM_KEY_A": "k1",
            "ZOETROPE_UPSTREAM_KEY_B": "k2", "ZOETROPE_ROUTES": "kling-3-pro-image2video=upstream:b",
        ])
        #expect(fromVariables.upstreams.map(\.name) == ["a", "b"] && fromVariables.routes.map(\.upstream) == ["b"])
    }

    @Test(arguments: [
        (["--upstream", "segmind"], "--upstream (ZOETROPE_UPSTREAMS): 'segmind' is not NAME=BASE_URL"),
        (["--upstream", "seg mind=https://x.example.com"], "--upstream (ZOETROPE_UPSTREAMS): 'seg mind' is not an upstream name (1 to 40 letters, digits, - and _)"),
        (["--upstream", "s=ftp://x.example.com"], "--upstream (ZOETROPE_UPSTREAMS): 'ftp://x.example.com' (upstream s) is not an http(s) base URL such as https://api.segmind.com"),
        (["--route", "kling-3-pro-image2video"], "--route (ZOETROPE_ROUTES): 'kling-3-pro-image2video' is not MODEL=upstream:NAME[/SLUG] or MODEL=local+upstream:NAME[/SLUG]@SECONDS"),
        (["--route", "m=upstream:s@5"], "--route (ZOETROPE_ROUTES): 'm=upstream:s@5': @SECONDS goes with local+upstream only (MODEL=upstream:NAME[/SLUG] or MODEL=local+upstream:NAME[/SLUG]@SECONDS)"),
        (["--route", "m=local+upstream:s@soon"], "--route (ZOETROPE_ROUTES): 'm=local+upstream:s@soon': local+upstream needs the wait before the upstream takes a job, as @SECONDS (MODEL=upstream:NAME[/SLUG] or MODEL=local+upstream:NAME[/SLUG]@SECONDS)"),
        (["--upstream-key-file", "s"], "--upstream-key-file (ZOETROPE_UPSTREAM_KEYFILES) must be NAME=FILE (got 's')"),
    ])
    func malformedValuesAreRefusedByName(arguments: [String], message: String) {
        #expect(throws: SettingsError(message)) { try SettingsTests.configuration(arguments) }
    }

    @Test(arguments: [
        (["--upstream", "s=https://s.example.com"], "--upstream: the upstream 's' has no API key; set ZOETROPE_UPSTREAM_KEY_S or give --upstream-key-file s=FILE"),
        (["--route", "nope=upstream:s"], "--route: there is no model 'nope' (models: kling-3-pro-image2video, kling-create-voice, ltx-2-image2video)"),
        (["--route", "ltx-2-image2video=upstream:t"], "--route ltx-2-image2video: there is no upstream 't'; name it with --upstream t=BASE_URL"),
        (["--route", "kling-create-voice=upstream:s"], "--route: kling-create-voice makes a voice this gateway keeps for voice_ids; only video models can be routed to an upstream"),
        (["--route", "ltx-2-image2video=upstream:s,ltx-2-image2video=upstream:s"], "--route: ltx-2-image2video is routed more than once"),
    ])
    func routesThatCannotWorkStopServe(arguments: [String], message: String) {
        let environment = arguments.first == "--upstream" ? [:] : ["ZOETROPE_UPSTREAMS": "s=https://s.example.com", "ZOETROPE_UPSTREAM_KEY_S": "k"]
        #expect(throws: ConfigurationError.self) {
            do {
                _ = try Self.configuration(arguments, environment: environment)
            } catch let error as ConfigurationError {
                #expect(error.message == message)
                throw error
            }
        }
    }

    @Test func aKeyFileForNoUpstreamOrUnreadableIsRefused() {
        #expect(throws: SettingsError("--upstream-key-file (ZOETROPE_UPSTREAM_KEYFILES) names 'x', which no --upstream names")) {
            try Self.configuration(["--upstream-key-file", "x=/dev/null"])
        }
        #expect(throws: SettingsError("--upstream-key-file (ZOETROPE_UPSTREAM_KEYFILES): the key file of 's' cannot be read: /nonexistent/key")) {
            try Self.configuration(["--upstream", "s=https://s.example.com", "--upstream-key-file", "s=/nonexistent/key"])
        }
    }
}
