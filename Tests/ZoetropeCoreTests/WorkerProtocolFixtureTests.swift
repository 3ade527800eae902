import Foundation
import Testing
import ZoetropeCore

/// The worker protocol v2 fixture (`Tests/Fixtures/worker-protocol-v2.json`, also read by the
/// LTX-2 worker's tests): every message decodes into its Swift type and encodes back to the same
/// JSON, and the assignments' requests read back with the public parsers.
struct WorkerProtocolFixtureTests {
    static let fixtureURL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/worker-protocol-v2.json")

    static func fixture(_ name: String) throws -> JSONValue {
        guard case .object(let messages) = try JSONValue.parse(try Data(contentsOf: fixtureURL)) else {
            throw InvalidRequest(message: "the fixture is not an object")
        }
        return try #require(messages[name], "the fixture has no \(name)")
    }

    /// Decodes the fixture's message as `type`, encodes it again and compares the JSON.
    @discardableResult
    static func roundTrip<T: Codable & Equatable>(_ name: String, as type: T.Type) throws -> T {
        let original = try fixture(name)
        let message = try JSONDecoder().decode(T.self, from: original.encoded())
        let again = try JSONValue.parse(try JSONEncoder().encode(message))
        #expect(again == original, "\(name) changed in a round trip:\n\(again.encodedText)")
        #expect(try JSONDecoder().decode(T.self, from: again.encoded()) == message)
        return message
    }

    @Test func everyMessageRoundTrips() throws {
        let lease = try Self.roundTrip("lease_request", as: WorkerProtocol.LeaseRequest.self)
        #expect(lease.protocolVersion == WorkerProtocol.version && lease.waitSeconds == 20)
        try Self.roundTrip("assignment_video", as: WorkerProtocol.Assignment.self)
        let voiceJob = try Self.roundTrip("assignment_voice", as: WorkerProtocol.Assignment.self)
        #expect(voiceJob.upload == nil && voiceJob.voices.isEmpty)
        #expect(try Self.roundTrip("heartbeat", as: WorkerProtocol.Heartbeat.self).progress == 0.42)
        #expect(try Self.roundTrip("heartbeat_answer", as: WorkerProtocol.LeaseExtension.self).leaseSeconds == 30)
        #expect(try Self.roundTrip("completion_video", as: WorkerProtocol.Completion.self).outputKey != nil)
        let timed = try Self.roundTrip("completion_video_with_stages", as: WorkerProtocol.Completion.self)
        #expect(timed.stageTimes() == ["text": 0.8, "stage_1": 4.25, "decode": 1.5, "encode": 0.9, "upload": 0.31])
        let voice = try #require(try Self.roundTrip("completion_voice", as: WorkerProtocol.Completion.self).voice)
        #expect(voice.id == nil && voice.espeakVariant == "m3" && voice.profile.wordsPerMinute == 165)
        #expect(try Self.roundTrip("failure", as: WorkerProtocol.Failure.self).error?.contains("GPU") == true)
        #expect(try Self.roundTrip("release", as: WorkerProtocol.Failure.self).error == nil)
        #expect(try Self.roundTrip("job_state", as: WorkerProtocol.JobState.self).status == JobStatus.completed.rawValue)
    }

    @Test func theVideoAssignmentReadsBackWithThePublicParser() async throws {
        let assignment = try JSONDecoder().decode(
            WorkerProtocol.Assignment.self, from: try Self.fixture("assignment_video").encoded())
        // The request alone is a valid client body.
        let parsed = try await GenerationRequestParser().parse(assignment.request)
        #expect(parsed.duration == 5 && parsed.multiPrompt.count == 2 && parsed.voiceIDs == ["voice-5d41402abc4b2a76"])

        let (request, downloads) = try await assignment.jobRequest()
        let video = try #require(request.video)
        let startName = WorkerProtocol.Assignment.storedName(field: "start_image_url")
        let referenceName = WorkerProtocol.Assignment.storedName(field: "elements[0].reference_image_urls[1]")
        #expect(BlobKey.isValid(startName) && BlobKey.isValid(referenceName))
        #expect(video.startImage == .stored(startName))
        #expect(video.endImage == .remote(URL(string: "https://images.example.org/end.png")!))
        #expect(video.elements.first?.referenceImages == [
            .remote(URL(string: "https://images.example.org/cat-side.png")!), .stored(referenceName),
        ])
        #expect(downloads == [
            startName: assignment.inputs["start_image_url"]!,
            referenceName: assignment.inputs["elements[0].reference_image_urls[1]"]!,
        ])
        #expect(video.voices.map(\.name) == ["Narrator"] && video.voices.first?.espeakPitch == 38)
        #expect(video.voices.first?.createdAt == Date(timeIntervalSince1970: 1_767_225_000))
        #expect(video.seed == 1_234_567_890)

        // The gateway's side makes the same assignment from the stored request.
        let job = Job(
            id: assignment.id, apiKeyID: "key-1", model: assignment.model, request: request, attempts: assignment.attempt)
        let made = WorkerProtocol.Assignment.make(
            job: job, leaseSeconds: assignment.leaseSeconds, leaseExpiresAt: assignment.leaseExpiresAt,
            upload: assignment.upload, link: { downloads[$0] ?? "missing" })
        #expect(made == assignment)
    }

    @Test func theVoiceAssignmentReadsBackAsAVoiceRequest() async throws {
        let assignment = try JSONDecoder().decode(
            WorkerProtocol.Assignment.self, from: try Self.fixture("assignment_voice").encoded())
        #expect(try VoiceRequestParser().parse(assignment.request).name == "Narrator")
        let (request, downloads) = try await assignment.jobRequest()
        let name = WorkerProtocol.Assignment.storedName(field: "voice_url")
        #expect(request == .voice(VoiceRequest(name: "Narrator", sample: .stored(name))))
        #expect(downloads == [name: assignment.inputs["voice_url"]!])
    }

    @Test func unreadableAssignmentsNameTheProblem() async throws {
        var assignment = try JSONDecoder().decode(
            WorkerProtocol.Assignment.self, from: try Self.fixture("assignment_voice").encoded())
        assignment.inputs["end_image_url"] = "https://gateway.example.com/files/x"
        await #expect(throws: InvalidRequest.self) { try await assignment.jobRequest() }
        assignment.inputs["end_image_url"] = nil
        assignment.request = ["voice_name": "x", "voice_url": "https://example.com/a.wav", "sample": "y"]
        do {
            _ = try await assignment.jobRequest()
            Issue.record("an unknown field was accepted")
        } catch let error as InvalidRequest {
            #expect(error.message.contains("sample"))
        }
    }

    /// Each fixture message holds its schema's required fields and, where the schema is exact, no others.
    @Test func theFixtureMatchesTheSchemas() throws {
        let schemas: [(String, JSONValue)] = [
            ("lease_request", WorkerProtocol.LeaseRequest.jsonSchema),
            ("assignment_video", WorkerProtocol.Assignment.jsonSchema),
            ("assignment_voice", WorkerProtocol.Assignment.jsonSchema),
            ("heartbeat", WorkerProtocol.Heartbeat.jsonSchema),
            ("heartbeat_answer", WorkerProtocol.LeaseExtension.jsonSchema),
            ("completion_video", WorkerProtocol.Completion.jsonSchema),
            ("completion_voice", WorkerProtocol.Completion.jsonSchema),
            ("completion_video_with_stages", WorkerProtocol.Completion.jsonSchema),
            ("failure", WorkerProtocol.Failure.jsonSchema),
            ("release", WorkerProtocol.Failure.jsonSchema),
            ("job_state", WorkerProtocol.JobState.jsonSchema),
        ]
        func check(_ value: JSONValue, _ schema: JSONValue, at path: String) {
            guard case .object(let rules) = schema, case .object(let fields) = value,
                case .object(let properties)? = rules["properties"]
            else { return }
            if case .array(let required)? = rules["required"] {
                for case .string(let name) in required {
                    #expect(fields[name] != nil, "\(path) lacks \(name)")
                    #expect(properties[name] != nil, "\(path)'s schema requires \(name) without describing it")
                }
            }
            if rules["additionalProperties"] == false {
                let unknown = Set(fields.keys).subtracting(properties.keys)
                #expect(unknown.isEmpty, "\(path) has fields its schema refuses: \(unknown.sorted())")
            }
            for (name, field) in fields {
                guard let rule = properties[name] else { continue }
                if case .array(let items) = field, case .object(let list) = rule, let item = list["items"] {
                    for (index, element) in items.enumerated() { check(element, item, at: "\(path).\(name)[\(index)]") }
                } else {
                    check(field, rule, at: "\(path).\(name)")
                }
            }
        }
        for (name, schema) in schemas { check(try Self.fixture(name), schema, at: name) }
    }

    /// The history's parameters are the same mapping, with uploads as a note and durations as text.
    @Test func historyInputsUseTheSameNames() throws {
        let request = JobRequest.video(
            GenerationRequest(
                prompt: nil, startImage: .stored("input-1.bin"), endImage: .remote(URL(string: "https://example.com/e.png")!),
                duration: 3, multiPrompt: [.init(prompt: "one", duration: 3)]))
        let shown = request.publicParameters(durations: .text) { _, input in
            if case .remote(let url) = input { .string(url.absoluteString) } else { "(uploaded data)" }
        }
        guard case .object(let fields) = shown else { Issue.record("not an object"); return }
        #expect(fields["start_image_url"] == "(uploaded data)" && fields["end_image_url"] == "https://example.com/e.png")
        #expect(fields["duration"] == "3" && fields["prompt"] == .null)
        #expect(fields["multi_prompt"] == [["prompt": "one", "duration": "3"]])
        #expect(Set(fields.keys) == Set(VideoParameters.kling.names))
    }
}
