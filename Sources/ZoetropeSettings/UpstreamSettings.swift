import Foundation
import ZoetropeCore
import ZoetropeServer
import ZoetropeWorker

/// The settings of `zoetrope serve` that route models to upstreams (hosted Segmind-compatible
/// APIs): the upstreams, where their keys are read from, the routes, and how upstream jobs run.
/// The keys themselves are read by `readKeys`, from the key files or `ZOETROPE_UPSTREAM_KEY_<NAME>`.
public enum UpstreamSettings {
    public static let all: [Setting<ServerConfiguration>] = [
        Setting(
            "upstream", .list,
            "A hosted Segmind-compatible API models may be routed to, NAME=BASE_URL (repeat, or comma-separated); its API key is read from ZOETROPE_UPSTREAM_KEY_<NAME> (the name in capitals, - as _) or --upstream-key-file",
            environment: "ZOETROPE_UPSTREAMS", default: { _ in "none" }
        ) { config, given in
            config.upstreams = try given.list.map { text in try given.reading { try UpstreamEndpoint.parse(text) } }
        },
        Setting(
            "upstream-key-file", .list, "NAME=FILE: read upstream NAME's API key from FILE instead of its variable (repeat, or comma-separated)",
            environment: "ZOETROPE_UPSTREAM_KEYFILES", default: { _ in "none" }
        ) { config, given in
            config.upstreamKeyFiles = [:]
            for text in given.list {
                let parts = text.split(separator: "=", maxSplits: 1).map { String($0).trimmingCharacters(in: .whitespaces) }
                guard parts.count == 2, ModelRoute.isValidUpstreamName(parts[0]), !parts[1].isEmpty else {
                    throw given.invalid("NAME=FILE")
                }
                config.upstreamKeyFiles[parts[0]] = parts[1]
            }
        },
        Setting(
            "route", .list,
            "MODEL=upstream:NAME[/SLUG]: only upstream NAME serves MODEL (as SLUG there; the same slug by default); MODEL=local+upstream:NAME[/SLUG]@SECONDS: this gateway's render slots and remote workers first, and the upstream takes a queued job once it has waited SECONDS (repeat, or comma-separated)",
            environment: "ZOETROPE_ROUTES", default: { _ in "every model on this gateway's own renderers" }
        ) { config, given in
            config.routes = try given.list.map { text in try given.reading { try ModelRoute.parse(text) } }
        },
        .number("upstream-concurrency", \.upstreamConcurrency, "Jobs this process may have running on upstreams at once", in: 1...1024),
        .seconds("upstream-poll-interval", \.upstreamPollInterval, "The first pause between polls of an upstream request (it grows to ten times this, and starts again when the upstream's state changes)"),
        .seconds("upstream-patience", \.upstreamPatience, "How long an upstream may go unanswering (network errors, 5xx) before the job waiting on it fails"),
    ]

    /// Reads each upstream's API key: from its `--upstream-key-file`, else from its variable
    /// (`ZOETROPE_UPSTREAM_KEY_<NAME>`) in `environment`. A key file naming no upstream, or one
    /// that cannot be read, is refused; an upstream left without a key is refused by
    /// `ServerConfiguration.validateUpstreams`.
    public static func readKeys(into config: inout ServerConfiguration, environment: [String: String]) throws {
        let names = Set(config.upstreams.map(\.name))
        for name in config.upstreamKeyFiles.keys.sorted() where !names.contains(name) {
            throw SettingsError("--upstream-key-file (ZOETROPE_UPSTREAM_KEYFILES) names '\(name)', which no --upstream names")
        }
        for index in config.upstreams.indices {
            let upstream = config.upstreams[index]
            if let file = config.upstreamKeyFiles[upstream.name] {
                guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                    throw SettingsError("--upstream-key-file (ZOETROPE_UPSTREAM_KEYFILES): the key file of '\(upstream.name)' cannot be read: \(file)")
                }
                config.upstreams[index].key = UpstreamKey(text)
            } else {
                config.upstreams[index].key = UpstreamKey(environment[upstream.keyVariable] ?? "")
            }
        }
    }
}

extension SettingText {
    /// `read`'s value, its `ConfigurationError` as a `SettingsError` naming the flag and variable.
    func reading<Value>(_ read: () throws -> Value) throws -> Value {
        do {
            return try read()
        } catch let error as ConfigurationError {
            throw SettingsError("\(flag) (\(environmentVariable)): \(error.message)")
        }
    }
}
