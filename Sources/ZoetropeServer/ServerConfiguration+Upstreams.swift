import Foundation
import ZoetropeCore
import ZoetropeWorker

extension ServerConfiguration {
    /// Throws when the upstreams and routes cannot work: an upstream named twice or without a key,
    /// a route naming a model `catalog` lacks, an upstream not configured, a model that makes no
    /// video, or a model routed twice.
    public func validateUpstreams(catalog: ModelCatalog) throws {
        var names = Set<String>()
        for upstream in upstreams {
            guard names.insert(upstream.name).inserted else {
                throw ConfigurationError("--upstream: the upstream '\(upstream.name)' is given more than once")
            }
            guard !upstream.key.isEmpty else {
                throw ConfigurationError(
                    "--upstream: the upstream '\(upstream.name)' has no API key; set \(upstream.keyVariable) or give --upstream-key-file \(upstream.name)=FILE")
            }
        }
        var routed = Set<String>()
        for route in routes {
            guard let model = catalog.model(slug: route.model) else {
                throw ConfigurationError(
                    "--route: there is no model '\(route.model)' (models: \(catalog.models.map(\.slug).joined(separator: ", ")))")
            }
            guard names.contains(route.upstream) else {
                throw ConfigurationError(
                    "--route \(route.model): there is no upstream '\(route.upstream)'; name it with --upstream \(route.upstream)=BASE_URL")
            }
            guard model.makesVideo else {
                throw ConfigurationError(
                    "--route: \(route.model) makes a voice this gateway keeps for voice_ids; only video models can be routed to an upstream")
            }
            guard routed.insert(route.model).inserted else {
                throw ConfigurationError("--route: \(route.model) is routed more than once")
            }
        }
    }

    /// The models only an upstream serves (no local render slot or remote worker takes them).
    var upstreamOnlyModels: Set<String> { Set(routes.filter { $0.overflowAfter == nil }.map(\.model)) }
}
