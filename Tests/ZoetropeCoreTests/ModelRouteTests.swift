import Foundation
import Testing
import ZoetropeCore

/// Routes to upstreams: the two forms of `--route`, and the catalog as a routed gateway lists it
/// (the engine, the route, `voice_ids` refused at submit and left out of the schema).
struct ModelRouteTests {
    @Test func bothFormsAreRead() throws {
        #expect(try ModelRoute.parse("kling-3-pro-image2video=upstream:segmind")
            == ModelRoute(model: "kling-3-pro-image2video", upstream: "segmind", slug: "kling-3-pro-image2video"))
        #expect(try ModelRoute.parse(" ltx-2-image2video = upstream:edge_2/ltx-2.3-fast ")
            == ModelRoute(model: "ltx-2-image2video", upstream: "edge_2", slug: "ltx-2.3-fast"))
        #expect(try ModelRoute.parse("kling-3-pro-image2video=local+upstream:segmind@30").overflowAfter == 30)
        #expect(try ModelRoute.parse("kling-3-pro-image2video=local+upstream:segmind/kling@2m")
            == ModelRoute(model: "kling-3-pro-image2video", upstream: "segmind", slug: "kling", overflowAfter: 120))
        #expect(try ModelRoute.parse("m=local+upstream:s@0").overflowAfter == 0)
    }

    @Test(arguments: [
        "upstream:segmind", "=upstream:s", "m=segmind", "m=local:s", "m=upstream:", "m=upstream:s/", "m=upstream:s/a/b",
        "m=upstream:s@3", "m=local+upstream:s", "m=local+upstream:s@", "m=local+upstream:s@-1", "m=upstream:bad name",
    ])
    func malformedRoutesAreRefused(text: String) {
        #expect(throws: ConfigurationError.self) { try ModelRoute.parse(text) }
    }

    @Test func theRoutedCatalogShowsTheEngineAndRefusesVoiceIDs() async throws {
        let catalog = ModelCatalog.standard(videoEngine: "motion", voiceEngine: "voice").routed([
            ModelRoute(model: ModelCatalog.klingImageToVideo, upstream: "segmind", overflowAfter: 30),
            ModelRoute(model: ModelCatalog.ltx2ImageToVideo, upstream: "edge", slug: "ltx"),
        ])
        let kling = try #require(catalog.model(slug: ModelCatalog.klingImageToVideo))
        let ltx = try #require(catalog.model(slug: ModelCatalog.ltx2ImageToVideo))
        let voice = try #require(catalog.model(slug: ModelCatalog.klingCreateVoice))
        #expect(kling.engine == "motion" && ltx.engine == ModelRoute.engineName && voice.engine == "voice")
        #expect(kling.json["upstream"] == ["name": "segmind", "slug": "kling-3-pro-image2video", "overflow_after_seconds": 30])
        #expect(ltx.json["upstream"] == ["name": "edge", "slug": "ltx"] && voice.json["upstream"] == nil)
        #expect(kling.parameters["voice_ids"] == nil && kling.parameters["elements"] != nil)
        #expect(kling.requestSchema["properties"]?["voice_ids"] == nil)
        do {
            _ = try await kling.parse(["prompt": "x", "start_image_url": "https://example.com/a.jpg", "voice_ids": ["voice_1"]])
            Issue.record("voice_ids was accepted")
        } catch let error as InvalidRequest {
            #expect(error.message.hasPrefix("voice_ids cannot be used with kling-3-pro-image2video: it runs on an upstream service"))
        }
        #expect(try await kling.parse(["prompt": "x", "start_image_url": "https://example.com/a.jpg"]).video != nil)
    }
}
