import Foundation

/// How the operator routes a model to an upstream (`--route`): served there only
/// (`MODEL=upstream:NAME[/SLUG]`), or by this gateway's render slots and remote workers first,
/// with the upstream taking a queued job once it has waited `overflowAfter` seconds
/// (`MODEL=local+upstream:NAME[/SLUG]@SECONDS`).
public struct ModelRoute: Sendable, Equatable {
    /// The model's slug on this gateway.
    public var model: String
    /// The operator's name for the upstream.
    public var upstream: String
    /// The model's slug on the upstream (the same slug unless the route names another).
    public var slug: String
    /// nil: only the upstream serves the model; otherwise how long, in seconds, a queued job waits
    /// for the gateway's own renderers before the upstream takes it.
    public var overflowAfter: Double?

    public init(model: String, upstream: String, slug: String? = nil, overflowAfter: Double? = nil) {
        self.model = model
        self.upstream = upstream
        self.slug = slug ?? model
        self.overflowAfter = overflowAfter
    }

    /// The engine name `/v1/models` shows for a model only an upstream serves.
    public static let engineName = "upstream"

    /// Whether `name` may name an upstream: 1 to 40 letters, digits, `-` and `_`.
    public static func isValidUpstreamName(_ name: String) -> Bool {
        (1...40).contains(name.count) && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
    }

    /// Reads `MODEL=upstream:NAME[/SLUG]` or `MODEL=local+upstream:NAME[/SLUG]@SECONDS` (SECONDS as
    /// `30`, `30s` or `2m`); throws a `ConfigurationError` saying what is wrong.
    public static func parse(_ text: String) throws -> ModelRoute {
        let form = "MODEL=upstream:NAME[/SLUG] or MODEL=local+upstream:NAME[/SLUG]@SECONDS"
        let parts = text.split(separator: "=", maxSplits: 1).map { String($0).trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, !parts[0].isEmpty else { throw ConfigurationError("'\(text)' is not \(form)") }
        var spec = Substring(parts[1])
        var wait: Double?
        if spec.hasPrefix("local+upstream:") {
            spec = spec.dropFirst("local+upstream:".count)
            guard let at = spec.lastIndex(of: "@"), let seconds = DurationText.seconds(String(spec[spec.index(after: at)...]))
            else { throw ConfigurationError("'\(text)': local+upstream needs the wait before the upstream takes a job, as @SECONDS (\(form))") }
            wait = seconds
            spec = spec[..<at]
        } else if spec.hasPrefix("upstream:") {
            spec = spec.dropFirst("upstream:".count)
            guard !spec.contains("@") else {
                throw ConfigurationError("'\(text)': @SECONDS goes with local+upstream only (\(form))")
            }
        } else {
            throw ConfigurationError("'\(text)' is not \(form)")
        }
        let target = spec.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard isValidUpstreamName(target[0]) else {
            throw ConfigurationError("'\(text)': '\(target[0])' is not an upstream name (1 to 40 letters, digits, - and _)")
        }
        if target.count == 2, target[1].isEmpty || !target[1].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }) {
            throw ConfigurationError("'\(text)': '\(target[1])' is not a model slug (letters, digits, -, _ and .)")
        }
        return ModelRoute(model: parts[0], upstream: target[0], slug: target.count == 2 ? target[1] : nil, overflowAfter: wait)
    }

    /// The listing's `upstream` entry: which upstream, the slug there, and the wait before an
    /// overflow job goes there.
    public var json: JSONValue {
        var fields: [String: JSONValue] = ["name": .string(upstream), "slug": .string(slug)]
        if let overflowAfter { fields["overflow_after_seconds"] = .number(overflowAfter) }
        return .object(fields)
    }

    /// The refusal of `voice_ids` on a routed model: voices are made and kept on this gateway, and
    /// an upstream does not know them.
    public var voiceIDsRefusal: String {
        "voice_ids cannot be used with \(model): it runs on an upstream service, which does not know the voices made on this gateway; submit without voice_ids"
    }
}

extension ModelCatalog {
    /// The catalog with each routed model's entry showing its route: an upstream-only model's
    /// engine is `upstream`, and every routed model refuses `voice_ids` (left out of its schema).
    public func routed(_ routes: [ModelRoute]) -> ModelCatalog {
        ModelCatalog(models: models.map { model in
            guard let route = routes.first(where: { $0.model == model.slug }) else { return model }
            var routed = model
            routed.route = route
            if route.overflowAfter == nil { routed.engine = ModelRoute.engineName }
            if routed.parameters["voice_ids"] != nil {
                routed.parameters = routed.parameters.removing(["voice_ids"])
                routed.unsupported["voice_ids"] = route.voiceIDsRefusal
            }
            return routed
        })
    }
}
