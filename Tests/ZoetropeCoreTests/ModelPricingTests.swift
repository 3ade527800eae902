import Foundation
import Testing
import ZoetropeCore

/// `ModelPricing`: each model's own price from the catalog, video priced per second and others
/// per job, and `--price` assignments with the refusals they name.
struct ModelPricingTests {
    static let catalog = ModelCatalog.standard(videoEngine: "motion", voiceEngine: "voice")
    static let video = JobRequest.video(GenerationRequest(prompt: "x", startImage: .stored("a"), duration: 7))
    static let voice = JobRequest.voice(VoiceRequest(name: "v", sample: .stored("s")))

    @Test func catalogPricesVideoPerSecondAndVoicesPerJob() {
        let pricing = ModelPricing(catalog: Self.catalog)
        #expect(pricing.cost(of: Self.video, model: ModelCatalog.klingImageToVideo) == Credits("0.7"))
        #expect(pricing.cost(of: Self.voice, model: ModelCatalog.klingCreateVoice) == Credits("1"))
        // A model without a price costs nothing.
        #expect(pricing.cost(of: Self.video, model: "unpriced") == .zero)
        #expect(ModelPricing().cost(of: Self.voice, model: ModelCatalog.klingCreateVoice) == .zero)
    }

    @Test func assignmentsSetPerSecondOrPerJobPrices() throws {
        var pricing = ModelPricing(catalog: Self.catalog)
        try pricing.set("\(ModelCatalog.klingImageToVideo)=0.25", catalog: Self.catalog)
        try pricing.set("\(ModelCatalog.klingCreateVoice)=0", catalog: Self.catalog)
        #expect(pricing.cost(of: Self.video, model: ModelCatalog.klingImageToVideo) == Credits("1.75"))
        #expect(pricing.perJob[ModelCatalog.klingCreateVoice] == .zero)
        #expect(pricing.perSecond[ModelCatalog.klingCreateVoice] == nil)
    }

    @Test func badAssignmentsAreRefusedNamingThem() {
        var pricing = ModelPricing(catalog: Self.catalog)
        for (assignment, message) in [
            ("nope=1", "a price must be <model>=<credits> for a served model, got 'nope=1'"),
            ("\(ModelCatalog.klingImageToVideo)", "a price must be <model>=<credits> for a served model"),
            ("\(ModelCatalog.klingImageToVideo)=-1", "must be a decimal number of credits ≥ 0, got '-1'"),
            ("\(ModelCatalog.klingImageToVideo)=cheap", "got 'cheap'"),
        ] {
            #expect { try pricing.set(assignment, catalog: Self.catalog) } throws: {
                ($0 as? ConfigurationError)?.message.contains(message) == true
            }
        }
        #expect(pricing == ModelPricing(catalog: Self.catalog))
    }
}
