import Foundation

/// How the virtual camera moves across one shot: a zoom, a window centre and a rotation per
/// frame, eased in and out. Built from the moves the grammar read. Every shot opens on the whole
/// picture (zoom 1, centred, level). The zoom rises wherever a shift or rotation needs it, so a
/// camera that does not pull back never shows anything outside the picture; a pull-back (zoom
/// below 1) lets the picture recede into its `Backdrop`.
public struct CameraPlan: Sendable, Equatable {
    public var frameCount: Int
    public var moves: [CameraMove]
    public var speed: CameraSpeed
    /// 0...1: how strongly the plan follows the prompt (`cfg_scale`).
    public var strength: Double
    /// Source aspect ratio (width / height), needed to keep rotated windows inside the picture.
    public var aspect: Double
    /// Seed of the handheld noise, so a prompt always renders the same way.
    public var seed: UInt64
    /// True when the prompt named no move and the grammar chose the default.
    public var isDefault = false

    public init(
        frameCount: Int, moves: [CameraMove], speed: CameraSpeed = .normal, strength: Double = 1, aspect: Double = 16.0 / 9,
        seed: UInt64 = 0
    ) {
        self.frameCount = frameCount
        self.moves = moves
        self.speed = speed
        self.strength = min(max(strength, 0), 1)
        self.aspect = aspect
        self.seed = seed
    }

    /// The plan for a prompt, read by `CameraGrammar`. `cfgScale` 0 gives a subtle version of
    /// the moves, 1 the full amplitude; the handheld shake follows the prompt and `seed`.
    public static func reading(
        prompt: String, negativePrompt: String = "", frameCount: Int, cfgScale: Double, aspect: Double,
        seed: UInt32? = nil
    ) -> CameraPlan {
        let reading = CameraGrammar.read(prompt: prompt, negativePrompt: negativePrompt)
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325 ^ (UInt64(seed ?? 0) &* 0x9E37_79B9_7F4A_7C15)
        for byte in prompt.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        var plan = CameraPlan(
            frameCount: frameCount, moves: reading.moves, speed: reading.speed, strength: 0.25 + 0.75 * cfgScale,
            aspect: aspect, seed: hash)
        plan.isDefault = reading.isDefault
        return plan
    }

    /// The camera at one frame.
    public struct View: Sendable, Equatable {
        /// Relative to the whole source: 1 shows all of it.
        public var zoom: Double
        /// Window centre in normalized source coordinates (0...1).
        public var center: SIMD2<Double>
        /// Clockwise rotation of the window, radians.
        public var rotation: Double

        public init(zoom: Double, center: SIMD2<Double>, rotation: Double = 0) {
            self.zoom = zoom
            self.center = center
            self.rotation = rotation
        }
    }

    /// How far the moves have gone at shot time `t` (0...1); `recede` is the pull-back's own
    /// share of the zoom (1 without one): how far the picture has receded into its backdrop.
    private func motion(at t: Double) -> (zoom: Double, recede: Double, shift: SIMD2<Double>, rotation: Double) {
        let eased = t * t * (3 - 2 * t)
        let amount = speed.amplitude * strength
        var logZoom = 0.0, logRecede = 0.0
        var shift = SIMD2<Double>.zero
        var rotation = 0.0
        for move in moves {
            let end = move.endpoint
            logZoom += log(end.zoom) * amount * eased
            if move == .pullOut { logRecede += log(end.zoom) * amount * eased }
            shift += end.shift * amount * eased
            rotation += end.rotation * amount * eased
        }
        if moves.contains(.handheld) {
            // Band-limited noise: a few slow sinusoids with seeded phases (about 0.3-1.3 Hz at 24 fps).
            let seconds = t * Double(max(frameCount - 1, 1)) / 24
            var state = seed
            func phase() -> Double {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return Double(state >> 11) / Double(1 << 53) * 2 * .pi
            }
            let frequencies = [0.31, 0.57, 0.83, 1.29]
            let weights = [1.0, 0.6, 0.35, 0.2]
            // Fades in over the first half second so the shot opens on the whole picture.
            let fade = min(seconds / 0.5, 1)
            let scale = (0.5 + 0.5 * amount) * fade * fade * (3 - 2 * fade)
            for (frequency, weight) in zip(frequencies, weights) {
                shift.x += 0.0035 * scale * weight * sin(2 * .pi * frequency * seconds + phase())
                shift.y += 0.0030 * scale * weight * sin(2 * .pi * frequency * 1.1 * seconds + phase())
                rotation += 0.0045 * scale * weight * sin(2 * .pi * frequency * 0.9 * seconds + phase())
            }
        }
        return (exp(logZoom), min(exp(logRecede), 1), shift, rotation)
    }

    /// The camera at `frame` (0-based). The zoom is the zoom moves' own, raised (smoothly) where
    /// a shift or rotation needs a closer window to stay inside the picture (inside the receding
    /// picture, when the camera pulls back); frame 0 shows the whole picture.
    public func view(at frame: Int) -> View { view(at: Double(frame)) }

    /// The camera at a fractional frame time (motion blur samples between frames), clamped to
    /// the shot.
    public func view(at frame: Double) -> View {
        let t = frameCount > 1 ? min(max(frame / Double(frameCount - 1), 0), 1) : 0
        let motion = motion(at: t)
        let planned = motion.zoom
        var needed = Self.requiredZoom(shift: motion.shift, rotation: motion.rotation, aspect: aspect)
        needed += min(max(needed - 1, 0), 0.002)  // room for the interpolation kernel, growing continuously
        needed *= motion.recede  // a receding picture: the window need only stay within its shrunk size
        // Smooth maximum, exact at t = 0 and never below either argument.
        let softness = 0.02 * t * t * (3 - 2 * t)
        let difference = planned - needed
        let zoom = (planned + needed + (difference * difference + softness * softness).squareRoot()) / 2
        return View(zoom: zoom, center: SIMD2(0.5, 0.5) + motion.shift, rotation: motion.rotation)
    }

    /// The smallest zoom at which a window of this zoom, shift and rotation stays inside the image.
    static func requiredZoom(shift: SIMD2<Double>, rotation: Double, aspect: Double) -> Double {
        let c = abs(cos(rotation)), s = abs(sin(rotation))
        let extentX = c + s / aspect
        let extentY = c + s * aspect
        let roomX = 1 - 2 * abs(shift.x)
        let roomY = 1 - 2 * abs(shift.y)
        guard roomX > 0.05, roomY > 0.05 else { return 20 }
        return max(extentX / roomX, extentY / roomY, 1)
    }

    /// The shallowest and deepest zoom any frame reaches: the source levels a render needs.
    public var zoomRange: ClosedRange<Double> {
        let samples = max(2, min(frameCount, 96))
        let zooms = (0..<samples).map { view(at: $0 * (frameCount - 1) / (samples - 1)).zoom }
        return (zooms.min() ?? 1)...(zooms.max() ?? 1)
    }

    /// Words that say what the plan does, reported to the user.
    public var summary: String {
        let words = moves.map(\.phrase)
        let list = words.count > 1 ? words.dropLast().joined(separator: ", ") + " and " + words.last! : words.first ?? "static"
        return "\(speed == .normal ? "" : speed.rawValue + " ")\(list)"
    }
}
