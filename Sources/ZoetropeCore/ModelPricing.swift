/// What each model costs: video models per second of output, the others a flat price per job.
/// Reserved at submit, charged on COMPLETED, released on FAILED or CANCELLED.
public struct ModelPricing: Sendable, Equatable {
    /// Credits per second of video, by model slug.
    public var perSecond: [String: Credits]
    /// Credits per job, by model slug (models whose output is not a video).
    public var perJob: [String: Credits]

    public init(perSecond: [String: Credits] = [:], perJob: [String: Credits] = [:]) {
        self.perSecond = perSecond
        self.perJob = perJob
    }

    /// Each model's own price rule (`ModelDescriptor.price`).
    public init(catalog: ModelCatalog) {
        self.init()
        for model in catalog.models {
            switch model.price {
            case .perSecond(let amount): perSecond[model.slug] = amount
            case .perJob(let amount): perJob[model.slug] = amount
            }
        }
    }

    /// The price of one request.
    public func cost(of request: JobRequest, model: String) -> Credits {
        switch request {
        case .video(let video): (perSecond[model] ?? .zero) * video.duration
        case .voice: perJob[model] ?? .zero
        }
    }

    /// Sets one price from `model=amount` (per second for video models, per job otherwise).
    public mutating func set(_ assignment: String, catalog: ModelCatalog) throws {
        let parts = assignment.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2, let model = catalog.model(slug: parts[0]) else {
            throw ConfigurationError("a price must be <model>=<credits> for a served model, got '\(assignment)'")
        }
        guard let amount = Credits(parts[1]), amount >= .zero else {
            throw ConfigurationError("the price of \(parts[0]) must be a decimal number of credits ≥ 0, got '\(parts[1])'")
        }
        if model.makesVideo { perSecond[model.slug] = amount } else { perJob[model.slug] = amount }
    }
}
