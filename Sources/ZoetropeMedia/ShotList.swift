import ZoetropeCore

/// The shots of one video: how many frames each lasts, which picture it films and how its camera
/// moves. One shot without `multi_prompt`; one per segment with it, cut at segment boundaries.
public struct ShotList: Sendable, Equatable {
    /// Which input picture a shot films.
    public enum Source: Sendable, Hashable {
        case startImage
        /// The element's frontal image (or its first reference image), 0-based.
        case element(Int)

        /// The request field the picture comes from.
        public var field: String {
            switch self {
            case .startImage: "start_image_url"
            case .element(let index): "elements[\(index)]"
            }
        }
    }

    /// One continuous shot.
    public struct Shot: Sendable, Equatable {
        public var startFrame: Int
        public var plan: CameraPlan
        public var source: Source
        public var frameCount: Int { plan.frameCount }
    }

    public var shots: [Shot]
    /// The output picture's size.
    public var width: Int
    public var height: Int
    public var frameCount: Int { shots.reduce(0) { $0 + $1.frameCount } }

    public init(request: GenerationRequest) {
        (width, height) = request.aspectRatio.size
        let aspect = Double(width) / Double(height)
        let segments: [(prompt: String, frames: Int)] =
            request.multiPrompt.isEmpty
            ? [(request.prompt ?? "", request.frameCount)]
            : request.multiPrompt.map { ($0.prompt, $0.duration * GenerationRequest.framesPerSecond) }
        var start = 0
        shots = segments.map { segment in
            let plan = CameraPlan.reading(
                prompt: segment.prompt, negativePrompt: request.negativePrompt, frameCount: segment.frames,
                cfgScale: request.cfgScale, aspect: aspect, seed: request.seed)
            let shot = Shot(
                startFrame: start, plan: plan, source: Self.source(for: segment.prompt, elements: request.elements))
            start += segment.frames
            return shot
        }
    }

    /// `@ElementN` in a prompt films element N's picture, when that element exists.
    static func source(for prompt: String, elements: [GenerationRequest.Element]) -> Source {
        let text = prompt.lowercased()
        for index in elements.indices where text.contains("@element\(index + 1)") {
            let element = elements[index]
            if element.frontalImage != nil || !element.referenceImages.isEmpty { return .element(index) }
        }
        return .startImage
    }

    /// The plan as reported to users in the result's `plan` field.
    public func json(endImage: Bool, blur: MotionBlur = MotionBlur()) -> JSONValue {
        var body: [String: JSONValue] = [
            "engine": "motion",
            "frames": .number(Double(frameCount)),
            "shots": .array(shots.enumerated().map { index, shot in
                // With an end image the last shot is the morph, not a camera move.
                let morphs = endImage && index == shots.count - 1
                return [
                    "start_frame": .number(Double(shot.startFrame)),
                    "frames": .number(Double(shot.frameCount)),
                    "moves": .array(shot.plan.moves.map { .string($0.rawValue) }),
                    "speed": .string(shot.plan.speed.rawValue),
                    "strength": .number((shot.plan.strength * 1000).rounded() / 1000),
                    "summary": .string(shot.plan.summary),
                    "source": .string(shot.source.field),
                    "default": .bool(shot.plan.isDefault),
                    "motion_blur_frames": .number(Double(morphs ? 0 : (0..<shot.frameCount).count {
                        blur.sampleTimes(for: shot.plan, frame: $0, width: width, height: height).count > 1
                    })),
                ]
            }),
        ]
        if endImage { body["transition"] = "morph to end_image_url" }
        return .object(body)
    }
}
