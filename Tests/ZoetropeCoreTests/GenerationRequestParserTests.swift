import Foundation
import Testing
import ZoetropeCore

/// The JSON → `GenerationRequest` rules of the parameter table in docs/API.md.
struct GenerationRequestParserTests {
    let parser = GenerationRequestParser()
    let image = "https://example.com/photo.jpg"

    func parse(_ body: JSONValue) async throws -> GenerationRequest { try await parser.parse(body) }

    func refusal(_ body: JSONValue) async -> InvalidRequest? {
        do {
            _ = try await parser.parse(body)
            return nil
        } catch let error as InvalidRequest {
            return error
        } catch {
            return nil
        }
    }

    @Test func defaultsMatchTheSpec() async throws {
        let request = try await parse(["prompt": "hello", "start_image_url": .string(image)])
        #expect(request.prompt == "hello")
        #expect(request.startImage == .remote(URL(string: image)!))
        #expect(request.aspectRatio == .landscape)
        #expect(request.aspectRatio.size == (1920, 1080))
        #expect(request.cfgScale == 0.5)
        #expect(request.duration == 5)
        #expect(request.frameCount == 120)
        #expect(request.negativePrompt == "blur, distort, and low quality")
        #expect(request.generateAudio)
        #expect(request.shotType == "customize")
        #expect(request.multiPrompt.isEmpty && request.elements.isEmpty && request.voiceIDs.isEmpty)
    }

    @Test func durationAcceptsStringsAndIntegers() async throws {
        #expect(try await parse(["prompt": "x", "start_image_url": .string(image), "duration": "3"]).duration == 3)
        #expect(try await parse(["prompt": "x", "start_image_url": .string(image), "duration": 15]).frameCount == 360)
        #expect(await refusal(["prompt": "x", "start_image_url": .string(image), "duration": 5.5])?.field == "duration")
    }

    @Test func imageInputsTakeURLsDataURIsAndBareBase64() async throws {
        let bytes = Data([0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3])
        let dataURI = "data:image/jpeg;base64," + bytes.base64EncodedString()
        #expect(try await parse(["prompt": "x", "start_image_url": .string(dataURI)]).startImage == .inline(bytes))
        #expect(try await parse(["prompt": "x", "start_image_url": .string(bytes.base64EncodedString())]).startImage == .inline(bytes))
        // URL-safe base64 without padding is accepted too.
        let urlSafe = bytes.base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        #expect(try await parse(["prompt": "x", "start_image_url": .string(urlSafe)]).startImage == .inline(bytes))
        let refused = await refusal(["prompt": "x", "start_image_url": "file:///etc/passwd"])
        #expect(refused?.message.contains("scheme 'file'") == true)
    }

    @Test func oversizedInlineImageIsRefused() async throws {
        let big = Data(count: GenerationRequestParser.maxImageBytes + 3).base64EncodedString()
        let refused = await refusal(["prompt": "x", "start_image_url": .string(big)])
        #expect(refused != nil)
        #expect(refused?.message.contains("50 MB") == true)
    }

    @Test func multiPromptSetsTheDurationAndMustAgreeWithIt() async throws {
        let segments: JSONValue = [["prompt": "a", "duration": "2"], ["prompt": "b", "duration": 4], ["prompt": "c"]]
        let request = try await parse(["start_image_url": .string(image), "multi_prompt": segments])
        #expect(request.prompt == nil)
        #expect(request.multiPrompt.map(\.duration) == [2, 4, 5])
        #expect(request.duration == 11)
        #expect(try await parse(["start_image_url": .string(image), "multi_prompt": segments, "duration": "11"]).duration == 11)
        let mismatch = await refusal(["start_image_url": .string(image), "multi_prompt": segments, "duration": "10"])
        #expect(mismatch?.message.contains("add up to 11") == true)
    }

    @Test func elementsAndVoicesAreValidated() async throws {
        let request = try await parse([
            "prompt": "@Element1 waves", "start_image_url": .string(image),
            "elements": [["frontal_image_url": .string(image), "reference_image_urls": [.string(image)]]],
        ])
        #expect(request.elements.count == 1)
        #expect(request.imageInputs.map(\.field) == [
            "start_image_url", "elements[0].frontal_image_url", "elements[0].reference_image_urls[0]",
        ])
        // Ids are resolved for the caller's key by the API; the parser checks the <<<voice_N>>> tags.
        #expect(try await parse(["prompt": "<<<voice_1>>> \"hi\"", "start_image_url": .string(image), "voice_ids": ["voice-a"]]).voiceIDs == ["voice-a"])
        #expect(await refusal(["prompt": "<<<voice_2>>> \"hi\"", "start_image_url": .string(image), "voice_ids": ["voice-a"]])?.message
            == "prompt uses <<<voice_2>>> but voice_ids has 1 id")
        #expect(await refusal([
            "start_image_url": .string(image), "multi_prompt": [["prompt": "a"], ["prompt": "<<<voice_1>>> \"yo\""]],
        ])?.message == (
            "multi_prompt[1].prompt uses <<<voice_1>>> but voice_ids is empty; create a voice with kling-create-voice and pass its id in voice_ids"))
    }

    @Test func unknownFieldsAreNamed() async throws {
        let refused = await refusal(["prompt": "x", "start_image_url": .string(image), "aspect": "1:1", "fps": 3])
        #expect(refused?.message == ("unknown parameters: aspect, fps"))
    }

    @Test func requestsRoundTripThroughCodable() async throws {
        let request = try await parse([
            "prompt": "x", "start_image_url": .string(image), "end_image_url": "aGVsbG8=", "aspect_ratio": "9:16",
            "multi_prompt": [["prompt": "a", "duration": "3"]],
        ])
        let decoded = try JSONDecoder().decode(GenerationRequest.self, from: JSONEncoder().encode(request))
        #expect(decoded == request)
    }
}
