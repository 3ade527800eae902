import Foundation
import Testing
import ZoetropeCore

/// The model registry: each model's parameters declared once, the JSON Schema rendered from them,
/// and validation that accepts exactly what the schema states.
struct ModelRegistryTests {
    let catalog = ModelCatalog.standard(videoEngine: "motion", voiceEngine: "voice")
    let image = "https://example.com/photo.jpg"

    func refusal(_ model: String, _ body: JSONValue) async -> InvalidRequest? {
        do {
            _ = try await catalog.model(slug: model)!.parse(body)
            return nil
        } catch {
            return error as? InvalidRequest
        }
    }

    @Test func ltx2RefusesWhatItsEngineCannotHonour() async throws {
        let ltx = try #require(catalog.model(slug: ModelCatalog.ltx2ImageToVideo))
        #expect(ltx.parameters["elements"] == nil && ltx.parameters["voice_ids"] == nil)
        guard case .object(let schema) = ltx.requestSchema, case .object(let properties)? = schema["properties"] else {
            Issue.record("no properties")
            return
        }
        #expect(properties["elements"] == nil && properties["voice_ids"] == nil && properties["prompt"] != nil)
        let elements = await refusal(ltx.slug, [
            "prompt": "x", "start_image_url": .string(image), "elements": [["frontal_image_url": .string(image)]],
        ])
        #expect(elements?.field == "elements" && elements?.message.hasPrefix("elements is not supported by ltx-2-image2video") == true)
        let voices = await refusal(ltx.slug, ["prompt": "x", "start_image_url": .string(image), "voice_ids": ["v"]])
        #expect(voices?.message.hasPrefix("voice_ids is not supported") == true)
        // The same body without them is accepted, and kling still takes elements.
        #expect(await refusal(ltx.slug, ["prompt": "x", "start_image_url": .string(image)]) == nil)
        #expect(await refusal(ModelCatalog.klingImageToVideo, [
            "prompt": "x", "start_image_url": .string(image), "elements": [["frontal_image_url": .string(image)]],
        ]) == nil)
    }

    @Test func schemaStatesTheRulesTheValidatorEnforces() throws {
        let kling = try #require(catalog.model(slug: ModelCatalog.klingImageToVideo))
        guard case .object(let schema) = kling.requestSchema, case .object(let properties)? = schema["properties"] else {
            Issue.record("no properties")
            return
        }
        #expect(schema["additionalProperties"] == false)
        #expect(schema["required"] == ["start_image_url"])
        #expect(properties["prompt"]?["maxLength"] == 2500)
        #expect(properties["aspect_ratio"]?["enum"] == ["16:9", "9:16", "1:1", .null])
        #expect(properties["cfg_scale"]?["maximum"] == 1)
        #expect(properties["multi_prompt"]?["maxItems"] == 5)
        #expect(properties["start_image_url"]?["pattern"] == .string(ParameterType.mediaPattern))
        // Prompt or multi_prompt: one of them must be given.
        #expect(schema["anyOf"] != nil)
        // The listing serves the same schema.
        #expect(kling.json["parameters"] == kling.requestSchema)
    }

    @Test func validationNamesTheField() async {
        let base: [String: JSONValue] = ["prompt": "x", "start_image_url": .string(image)]
        func with(_ key: String, _ value: JSONValue) -> JSONValue { .object(base.merging([key: value]) { $1 }) }
        let kling = ModelCatalog.klingImageToVideo
        #expect(await refusal(kling, with("cfg_scale", 1.5))?.message == ("cfg_scale must be between 0 and 1, got 1.5"))
        #expect(await refusal(kling, with("cfg_scale", 2))?.message == ("cfg_scale must be between 0 and 1, got 2"))
        #expect(await refusal(kling, with("seed", -1))?.message == ("seed must be a whole number from 0 to 4294967295, got -1"))
        #expect(await refusal(kling, with("seed", 1.5))?.message == ("seed must be a whole number from 0 to 4294967295, got 1.5"))
        #expect(await refusal(kling, with("seed", "7"))?.message == ("seed must be a whole number from 0 to 4294967295, got a string"))
        #expect(await refusal(kling, with("aspect_ratio", "4:3"))?.message == ("aspect_ratio must be one of \"16:9\", \"9:16\", \"1:1\"; got \"4:3\""))
        #expect(await refusal(kling, with("duration", " 5"))?.message.hasPrefix("duration must be a whole number of seconds") == true)
        #expect(await refusal(kling, with("multi_prompt", [["prompt": "a", "duration": "0"]]))?.message
            == "multi_prompt[0].duration must be a whole number of seconds from \"1\" to \"15\"")
        #expect(await refusal(kling, with("elements", [["frontal_image_url": "x:y"]]))?.message
            .hasPrefix("elements[0].frontal_image_url") == true)
        #expect(await refusal(kling, with("elements", [[:]]))?.message
            == "elements[0].frontal_image_url is required (or give elements[0].reference_image_urls)")
        #expect(await refusal(kling, ["start_image_url": .string(image), "multi_prompt": []])?.message
            == "prompt is required (or give multi_prompt)")
        // null reads as absent.
        #expect(await refusal(kling, with("end_image_url", .null)) == nil)
        #expect(await refusal(kling, with("prompt", .string(String(repeating: "é", count: 2500)))) == nil)
    }

    @Test func mediaStringsAreAcceptedExactlyWhenTheyMatchThePattern() async throws {
        let regex = try NSRegularExpression(pattern: ParameterType.mediaPattern)
        func matches(_ text: String) -> Bool {
            regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text))?.range.length == (text as NSString).length
        }
        func accepted(_ text: String) async -> Bool {
            await refusal(ModelCatalog.klingImageToVideo, ["prompt": "x", "start_image_url": .string(text)]) == nil
        }
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("Aa0+/=_-:.,;hHtpsdaDTA4b6e ?#%")
        var samples = [
            "http://a", "HTTPS://a.b:8080/x?y=z#f", "http://[::1]:9/x.jpg", "http://[:]", "http://[a", "http://[]", "http://", "http://a b", "data:image/png;base64,QUJD",
            "data:;base64,QQ", "data:image/png,QUJD", "QUJD", "QUI=", "QQ==", "Q", "QUJDR", "QUJD=", "file:///etc/passwd",
            "", " QUJD", "QUJD\n",
        ]
        for _ in 0..<400 {
            samples.append(String((0..<Int.random(in: 1...10, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }))
        }
        for sample in samples {
            let (expected, got) = (matches(sample), await accepted(sample))
            #expect(expected == got, "\(sample.debugDescription): pattern \(expected), server \(got)")
        }
        // Long inline data takes the fast path; it agrees with the pattern too.
        let bytes = Data((0..<30_000).map { UInt8($0 % 251) })
        for text in [bytes.base64EncodedString(), "data:image/jpeg;base64," + bytes.base64EncodedString(),
                     bytes.base64EncodedString() + "A", bytes.base64EncodedString().replacingOccurrences(of: "A", with: "*")] {
            #expect(matches(text) == (await accepted(text)), "\(text.prefix(40))… (\(text.count) characters)")
        }
    }

    @Test func pricesComeFromTheRegistry() {
        let pricing = ModelPricing(catalog: catalog)
        #expect(pricing.perSecond[ModelCatalog.klingImageToVideo] == Credits(micros: 100_000))
        #expect(pricing.perJob[ModelCatalog.klingCreateVoice] == Credits(micros: 1_000_000))
    }
}
