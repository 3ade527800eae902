import Foundation

/// Renders procedural ambience beds (rain, wind, ocean...) as 48 kHz stereo from filtered noise,
/// grains, envelopes and simple oscillators — no samples or files. The same seed gives the same
/// sound; left and right come from different noise streams so the bed sounds wide.
public struct AmbienceSynthesizer: Sendable {
    public let seed: UInt64

    public init(seed: UInt64) {
        self.seed = seed
    }

    /// `frames` sample frames of the given beds layered (the first at full level, the second
    /// 3 dB under), at `intensity` 0.3 (light, sparse) ... 1 (heavy, dense). Each bed is levelled
    /// to −23 LUFS at intensity 0.6, from −27 LUFS at 0.3 to −17.7 at 1 (room tone 12 dB quieter),
    /// so the classes are alike in loudness before the mix is normalized. Duplicates are ignored;
    /// no beds gives silence.
    public func render(_ kinds: [Ambience], intensity: Double, frames: Int) -> StereoAudio {
        var output = StereoAudio(frames: max(frames, 0))
        guard frames > 0 else { return output }
        let intensity = min(max(intensity.isFinite ? intensity : 0.6, 0.3), 1)
        var seen = Set<Ambience>()
        let distinct = kinds.filter { seen.insert($0).inserted }
        // Beds are rendered at least a second long so their level is measured the same way
        // whatever the requested length; every generator runs forward in time, so the first
        // `frames` are the same either way.
        let renderFrames = max(frames, StereoAudio.sampleRate)
        for (layer, kind) in distinct.enumerated() {
            var random = AmbienceRandom(seed: seed ^ (UInt64(Ambience.allCases.firstIndex(of: kind)! + 1) &* 0x9E37_79B9_7F4A_7C15))
            var bed = Self.renderBed(kind, intensity: Float(intensity), frames: renderFrames, random: &random)
            let targetLUFS = -23 + 13.3 * (intensity - 0.6) + (kind == .room ? -12 : 0) - (layer == 0 ? 0 : 3)
            let measured = LoudnessMeter.integratedLoudness(bed)
            if measured.isFinite {
                bed.scale(by: Float(pow(10, (targetLUFS - measured) / 20)))
            }
            if renderFrames != frames {
                bed = StereoAudio(left: Array(bed.left[0..<frames]), right: Array(bed.right[0..<frames]))
            }
            output.mix(bed)
        }
        Self.fadeEdges(&output, seconds: 0.02)
        return output
    }

    private static func renderBed(_ kind: Ambience, intensity: Float, frames: Int, random: inout AmbienceRandom) -> StereoAudio {
        switch kind {
        case .rain: return rain(intensity: intensity, frames: frames, random: &random)
        case .wind: return wind(intensity: intensity, frames: frames, random: &random)
        case .ocean: return ocean(intensity: intensity, frames: frames, random: &random)
        case .fire: return fire(intensity: intensity, frames: frames, random: &random)
        case .city: return city(intensity: intensity, frames: frames, random: &random)
        case .forest: return forest(intensity: intensity, frames: frames, random: &random)
        case .crowd: return crowd(intensity: intensity, frames: frames, random: &random)
        case .room: return room(intensity: intensity, frames: frames, random: &random)
        }
    }

    private static let rate = Float(StereoAudio.sampleRate)

    // MARK: - Rain

    /// Hiss emphasised 2–8 kHz over a little low wash, plus dense droplets: short damped
    /// resonances at random pitches, mostly small with the odd big drop.
    private static func rain(intensity: Float, frames: Int, random: inout AmbienceRandom) -> StereoAudio {
        var channels: [[Float]] = []
        for _ in 0..<2 {
            var noise = random.split()
            var events = random.split()
            var highPass = Biquad.highPass(1_800, q: 0.7)
            var lowPass = Biquad.lowPass(9_000, q: 0.7)
            var wash = Biquad.lowPass(900, q: 0.6)
            var swell = SmoothRandom(low: 0.8, high: 1.15, minSeconds: 1.5, maxSeconds: 4, random: &events)
            var drops = GrainBank()
            let dropsPerSecond = 120 + 700 * intensity
            var nextDrop = events.exponential(rate: dropsPerSecond)
            let hissLevel: Float = 0.35 + 0.25 * intensity
            var out = [Float](repeating: 0, count: frames)
            for index in 0..<frames {
                let white = noise.noise()
                let hiss = lowPass.process(highPass.process(white)) + 0.3 * wash.process(white)
                nextDrop -= 1
                while nextDrop <= 0 {
                    let size = events.unit()
                    let amplitude = 0.08 + 1.4 * size * size * size * size
                    drops.add(.resonance(frequency: events.logUniform(1_500, 9_000),
                                         decaySeconds: events.uniform(0.001, 0.005), amplitude: amplitude))
                    nextDrop += events.exponential(rate: dropsPerSecond)
                }
                out[index] = hissLevel * swell.next() * hiss + 0.6 * drops.next(noise: &noise)
            }
            channels.append(out)
        }
        return StereoAudio(left: channels[0], right: channels[1])
    }

    // MARK: - Wind

    /// Resonant band-passed noise whose centre sweeps ~200–900 Hz with slow gusts, over a low
    /// rumble; stronger gusts are louder, brighter and more resonant.
    private static func wind(intensity: Float, frames: Int, random: inout AmbienceRandom) -> StereoAudio {
        var scene = random.split()
        var gust = SmoothRandom(low: 0.05, high: 1, minSeconds: 1.2 + 1.5 * (1 - intensity),
                                maxSeconds: 3 + 3 * (1 - intensity), random: &scene)
        var gusts = [Float](repeating: 0, count: frames)
        for index in 0..<frames { gusts[index] = gust.next() }
        var channels: [[Float]] = []
        for channel in 0..<2 {
            var noise = random.split()
            var local = SmoothRandom(low: 0.75, high: 1.2, minSeconds: 0.4, maxSeconds: 1.5, random: &noise)
            var band = Biquad.bandPass(400, q: 2)
            var whistle = Biquad.bandPass(800, q: 9)
            var rumbleFilter = Biquad.lowPass(140, q: 0.7)
            var brown = BrownNoise()
            let lag = channel == 0 ? 0 : Int(0.25 * rate)
            var out = [Float](repeating: 0, count: frames)
            var strength: Float = 0
            for index in 0..<frames {
                if index & 31 == 0 {
                    strength = min(1, gusts[max(index - lag, 0)] * local.value)
                    let centre = 200 + 700 * strength
                    band.setBandPass(centre, q: 1.5 + 2.5 * strength)
                    whistle.setBandPass(centre * 2.1, q: 9)
                }
                _ = local.next()
                let white = noise.noise()
                let body = band.process(white) * (0.12 + 0.88 * strength * strength)
                let howl = whistle.process(white) * intensity * strength * strength * 0.8
                let rumble = rumbleFilter.process(brown.next(white)) * (0.4 + 0.6 * strength)
                out[index] = body + howl + 0.1 * rumble
            }
            channels.append(out)
        }
        return StereoAudio(left: channels[0], right: channels[1])
    }

    // MARK: - Ocean

    /// Low-passed noise under a swell of waves 6–10 s apart, opening up as each wave rises, with a
    /// bright wash (1.5–6 kHz) at the crest and a deep constant rumble.
    private static func ocean(intensity: Float, frames: Int, random: inout AmbienceRandom) -> StereoAudio {
        var scene = random.split()
        // One envelope for the whole scene: each wave rises over ~35 % of its period, then recedes.
        var swell = [Float](repeating: 0, count: frames)
        var start = -Int(scene.uniform(0, 5) * rate)
        let base: Float = 0.12
        while start < frames {
            let period = Int(scene.uniform(6, 10) * rate)
            let height = scene.uniform(0.55, 1)
            let rise = scene.uniform(0.28, 0.42)
            let decay: Float = 4
            let tail = exp(-decay * (1 - rise))
            for index in max(start, 0)..<min(start + period, frames) {
                let phase = Float(index - start) / Float(period)
                let shape: Float
                if phase < rise {
                    let x = phase / rise
                    shape = x * x * (3 - 2 * x)
                } else {
                    shape = (exp(-decay * (phase - rise)) - tail) / (1 - tail)
                }
                swell[index] = base + (height - base) * shape
            }
            start += period
        }
        var channels: [[Float]] = []
        for channel in 0..<2 {
            var noise = random.split()
            var body = Biquad.lowPass(500, q: 0.6)
            var washHigh = Biquad.highPass(1_500, q: 0.7)
            var washLow = Biquad.lowPass(6_000, q: 0.7)
            var deep = Biquad.lowPass(90, q: 0.7)
            var brown = BrownNoise()
            let lag = channel == 0 ? 0 : Int(0.18 * rate)
            var out = [Float](repeating: 0, count: frames)
            var level: Float = 0
            for index in 0..<frames {
                if index & 63 == 0 {
                    level = swell[max(index - lag, 0)]
                    body.setLowPass(250 + 1_100 * level, q: 0.6)
                }
                let white = noise.noise()
                let crest = level * level * level * level
                let wash = washLow.process(washHigh.process(white)) * crest * (0.25 + 0.35 * intensity)
                out[index] = body.process(white) * level + wash + 0.12 * deep.process(brown.next(white))
            }
            channels.append(out)
        }
        return StereoAudio(left: channels[0], right: channels[1])
    }

    // MARK: - Fire

    /// Brown-noise rumble with a flicker, a faint burning hiss, and sharp crackles (clustered
    /// noise clicks) and pops (short low resonances).
    private static func fire(intensity: Float, frames: Int, random: inout AmbienceRandom) -> StereoAudio {
        var channels: [[Float]] = []
        for _ in 0..<2 {
            var noise = random.split()
            var events = random.split()
            var brown = BrownNoise()
            var rumbleFilter = Biquad.lowPass(220, q: 0.7)
            var hissFilter = Biquad.bandPass(2_500, q: 0.7)
            var clickFilter = Biquad.highPass(1_200, q: 0.7)
            var flicker = SmoothRandom(low: 0.55, high: 1.1, minSeconds: 0.15, maxSeconds: 0.6, random: &events)
            var activity = SmoothRandom(low: 0.1, high: 1.6, minSeconds: 0.5, maxSeconds: 2.5, random: &events)
            var grains = GrainBank()
            var clicks = GrainBank()
            let cracklesPerSecond = 10 + 40 * intensity
            let popsPerSecond = 0.6 + 2.4 * intensity
            var nextCrackle = events.exponential(rate: cracklesPerSecond)
            var nextPop = events.exponential(rate: popsPerSecond)
            var out = [Float](repeating: 0, count: frames)
            for index in 0..<frames {
                let white = noise.noise()
                let glow = flicker.next()
                let busy = activity.next()
                nextCrackle -= busy
                while nextCrackle <= 0 {
                    // A crackle is a burst of 1–5 clicks within a few milliseconds.
                    let burst = 1 + Int(events.unit() * 5)
                    var delay: Float = 0
                    for _ in 0..<burst {
                        let size = events.unit()
                        clicks.add(.noiseBurst(decaySeconds: events.uniform(0.0002, 0.0015),
                                               amplitude: 0.1 + 0.5 * size * size * size, delay: Int(delay)))
                        delay += events.uniform(0.001, 0.012) * rate
                    }
                    nextCrackle += events.exponential(rate: cracklesPerSecond)
                }
                nextPop -= 1
                while nextPop <= 0 {
                    grains.add(.resonance(frequency: events.logUniform(300, 1_600),
                                          decaySeconds: events.uniform(0.003, 0.012), amplitude: events.uniform(0.4, 1.2)))
                    nextPop += events.exponential(rate: popsPerSecond)
                }
                let rumble = rumbleFilter.process(brown.next(white)) * glow
                let hiss = hissFilter.process(white) * 0.06 * glow
                let crackle = clickFilter.process(clicks.next(noise: &noise))
                out[index] = 0.5 * rumble + hiss + 0.9 * crackle + 0.35 * grains.next(noise: &noise)
            }
            channels.append(out)
        }
        return StereoAudio(left: channels[0], right: channels[1])
    }

    // MARK: - City

    /// Low traffic rumble (brown noise under 300 Hz), a faint distant mid-band hum, and passing
    /// cars: engine band noise that swells over 2–4 s, pans across and drops in pitch as it passes.
    private static func city(intensity: Float, frames: Int, random: inout AmbienceRandom) -> StereoAudio {
        var left = [Float](repeating: 0, count: frames)
        var right = [Float](repeating: 0, count: frames)
        for channel in 0..<2 {
            var noise = random.split()
            var brown = BrownNoise()
            var rumbleA = Biquad.lowPass(260, q: 0.7)
            var rumbleB = Biquad.lowPass(260, q: 0.7)
            var hum = Biquad.bandPass(450, q: 0.6)
            var drift = SmoothRandom(low: 0.75, high: 1.1, minSeconds: 2, maxSeconds: 6, random: &noise)
            for index in 0..<frames {
                let white = noise.noise()
                let value = (rumbleB.process(rumbleA.process(brown.next(white))) * 0.5 + hum.process(white) * 0.04) * drift.next()
                if channel == 0 { left[index] = value } else { right[index] = value }
            }
        }
        var scene = random.split()
        let carsPerSecond = 0.12 + 0.35 * intensity
        var start = Int(scene.exponential(rate: carsPerSecond) * 0.5)
        while start < frames {
            var engine = scene.split()
            let length = Int(scene.uniform(2, 4) * rate)
            let pitch = scene.logUniform(220, 650)
            let loudness = scene.uniform(0.35, 1)
            let direction: Float = scene.unit() < 0.5 ? -1 : 1
            var band = Biquad.bandPass(pitch, q: 1.3)
            var tyreHigh = Biquad.highPass(1_500, q: 0.7)
            var tyreLow = Biquad.lowPass(5_000, q: 0.7)
            var gainLeft: Float = 0
            var gainRight: Float = 0
            for offset in 0..<length {
                let index = start + offset
                if index >= frames { break }
                // Closest approach at the middle of the pass.
                let x = (Float(offset) / Float(length) - 0.5) * 2
                if offset & 63 == 0 {
                    band.setBandPass(pitch * (1 - 0.14 * tanhf(3 * x)), q: 1.3)
                    let envelope = loudness / pow(1 + 16 * x * x, 1.2) * sinf(.pi * Float(offset) / Float(length))
                    let pan = direction * x * 0.85
                    gainLeft = envelope * sqrtf(0.5 * (1 - pan))
                    gainRight = envelope * sqrtf(0.5 * (1 + pan))
                }
                let white = engine.noise()
                let value = band.process(white) + 0.25 * tyreLow.process(tyreHigh.process(white))
                left[index] += value * gainLeft * 4
                right[index] += value * gainRight * 4
            }
            start += Int(scene.exponential(rate: carsPerSecond) + 0.8 * rate)
        }
        return StereoAudio(left: left, right: right)
    }

    // MARK: - Forest

    /// A soft leaf-rustle bed (1.5–7 kHz noise fluttering in slow gusts) and bird calls: runs of
    /// 1–4 frequency-swept sine chirps of 50–200 ms between 2 and 6 kHz, at random pitches and pans.
    private static func forest(intensity: Float, frames: Int, random: inout AmbienceRandom) -> StereoAudio {
        var left = [Float](repeating: 0, count: frames)
        var right = [Float](repeating: 0, count: frames)
        for channel in 0..<2 {
            var noise = random.split()
            var high = Biquad.highPass(1_500, q: 0.7)
            var low = Biquad.lowPass(7_000, q: 0.7)
            var flutter = SmoothRandom(low: 0.2, high: 1, minSeconds: 0.08, maxSeconds: 0.3, random: &noise)
            var breeze = SmoothRandom(low: 0.3, high: 1, minSeconds: 2, maxSeconds: 5, random: &noise)
            for index in 0..<frames {
                let value = low.process(high.process(noise.noise())) * flutter.next() * breeze.next() * 0.08
                if channel == 0 { left[index] = value } else { right[index] = value }
            }
        }
        var scene = random.split()
        let callsPerSecond = 0.8 + 2.2 * intensity
        var start = Int(scene.exponential(rate: callsPerSecond) * 0.3)
        while start < frames {
            let chirps = 1 + Int(scene.unit() * 4)
            let lowFrequency = scene.uniform(2_000, 4_500)
            let highFrequency = min(6_000, lowFrequency + scene.uniform(400, 1_800))
            let shape = Int(scene.unit() * 3) // 0 rising, 1 falling, 2 arched
            let chirpSeconds = scene.uniform(0.05, 0.2)
            let trillRate = scene.unit() < 0.3 ? scene.uniform(25, 60) : 0
            let loudness = scene.uniform(0.15, 1)
            let pan = scene.uniform(-0.9, 0.9)
            let gainLeft = loudness * sqrtf(0.5 * (1 - pan))
            let gainRight = loudness * sqrtf(0.5 * (1 + pan))
            // The far ear hears the bird up to ~0.45 ms later.
            let delayLeft = max(0, Int(pan * 0.0005 * rate)), delayRight = max(0, Int(-pan * 0.0005 * rate))
            var at = start
            for _ in 0..<chirps {
                let length = Int(chirpSeconds * scene.uniform(0.8, 1.2) * rate)
                var phase: Float = 0
                for offset in 0..<length {
                    let index = at + offset
                    if index >= frames { break }
                    let t = Float(offset) / Float(length)
                    var frequency: Float
                    switch shape {
                    case 0: frequency = lowFrequency + (highFrequency - lowFrequency) * t
                    case 1: frequency = highFrequency - (highFrequency - lowFrequency) * t
                    default: frequency = lowFrequency + (highFrequency - lowFrequency) * sinf(.pi * t)
                    }
                    if trillRate > 0 { frequency += 250 * sinf(2 * .pi * trillRate * Float(offset) / rate) }
                    phase += 2 * .pi * frequency / rate
                    if phase > 2 * .pi { phase -= 2 * .pi }
                    let window = sinf(.pi * t)
                    let value = sinf(phase) * window * window
                    if index + delayLeft < frames { left[index + delayLeft] += value * gainLeft }
                    if index + delayRight < frames { right[index + delayRight] += value * gainRight }
                }
                at += length + Int(scene.uniform(0.04, 0.12) * rate)
            }
            start += Int(scene.exponential(rate: callsPerSecond))
        }
        return StereoAudio(left: left, right: right)
    }

    // MARK: - Crowd

    /// Babble: ~8 voices, each a buzzy pitched source plus breath through two formant band-passes
    /// (300–900 Hz and 900–2600 Hz) that jump to new vowels at every syllable, amplitude-modulated
    /// at 3–6 syllables a second with pauses; plus a decorrelated murmur bed for depth.
    private static func crowd(intensity: Float, frames: Int, random: inout AmbienceRandom) -> StereoAudio {
        var left = [Float](repeating: 0, count: frames)
        var right = [Float](repeating: 0, count: frames)
        let voices = 5 + Int((6 * intensity).rounded())
        for _ in 0..<voices {
            var voice = random.split()
            let basePitch = voice.logUniform(95, 240)
            let syllableRate = voice.uniform(3, 6)
            let distance = voice.uniform(0.35, 1)
            // Voices sit left and right of centre, not on it, so the babble is wide.
            let pan = (voice.unit() < 0.5 ? -1 : 1) * voice.uniform(0.25, 0.95)
            let gainLeft = distance * sqrtf(0.5 * (1 - pan))
            let gainRight = distance * sqrtf(0.5 * (1 + pan))
            let delayLeft = max(0, Int(pan * 0.0005 * rate)), delayRight = max(0, Int(-pan * 0.0005 * rate))
            var formant1 = Biquad.bandPass(500, q: 4)
            var formant2 = Biquad.bandPass(1_500, q: 5)
            var intonation = SmoothRandom(low: 0.85, high: 1.2, minSeconds: 0.2, maxSeconds: 0.8, random: &voice)
            var phase: Float = 0
            var index = -Int(voice.uniform(0, 1) * rate)
            var talking = voice.unit() < 0.7
            while index < frames {
                let segment = Int((talking ? voice.uniform(1, 4) : voice.uniform(0.3, 1.8)) * rate)
                if !talking {
                    index += segment
                    talking = true
                    continue
                }
                let segmentEnd = index + segment
                while index < segmentEnd && index < frames {
                    let length = Int(rate / (syllableRate * voice.uniform(0.7, 1.3)))
                    let amplitude = voice.uniform(0.3, 1)
                    formant1.setBandPass(voice.uniform(300, 900), q: 4)
                    formant2.setBandPass(voice.uniform(900, 2_600), q: 5)
                    let breath = voice.uniform(0.1, 0.5)
                    for offset in 0..<length {
                        let at = index + offset
                        let pitch = basePitch * intonation.next()
                        phase += pitch / rate
                        if phase >= 1 { phase -= 1 }
                        let source = (2 * phase - 1) * (1 - breath) + voice.noise() * breath * 1.5
                        let envelope = sinf(.pi * Float(offset) / Float(length)) * amplitude
                        let value = (formant1.process(source) + 0.7 * formant2.process(source)) * envelope
                        if at >= 0 && at + delayLeft < frames { left[at + delayLeft] += value * gainLeft }
                        if at >= 0 && at + delayRight < frames { right[at + delayRight] += value * gainRight }
                    }
                    index += length
                }
                talking = false
            }
        }
        for channel in 0..<2 {
            var noise = random.split()
            var band1 = Biquad.bandPass(500, q: 1)
            var band2 = Biquad.bandPass(1_400, q: 1.2)
            var murmur = SmoothRandom(low: 0.4, high: 1, minSeconds: 0.12, maxSeconds: 0.3, random: &noise)
            for index in 0..<frames {
                let white = noise.noise()
                let value = (band1.process(white) + 0.6 * band2.process(white)) * murmur.next() * 0.16
                if channel == 0 { left[index] += value } else { right[index] += value }
            }
        }
        return StereoAudio(left: left, right: right)
    }

    // MARK: - Room tone

    /// Quiet room tone: pink plus brown noise, low-passed to a soft hum.
    private static func room(intensity: Float, frames: Int, random: inout AmbienceRandom) -> StereoAudio {
        var channels: [[Float]] = []
        for _ in 0..<2 {
            var noise = random.split()
            var pink = PinkNoise()
            var brown = BrownNoise()
            var lowPassA = Biquad.lowPass(350, q: 0.6)
            var lowPassB = Biquad.lowPass(700, q: 0.6)
            var out = [Float](repeating: 0, count: frames)
            for index in 0..<frames {
                let white = noise.noise()
                out[index] = lowPassB.process(lowPassA.process(pink.next(white) * 0.5 + brown.next(white)))
            }
            channels.append(out)
        }
        return StereoAudio(left: channels[0], right: channels[1])
    }

    /// Short linear fades at both ends so a bed never starts or stops with a click.
    private static func fadeEdges(_ audio: inout StereoAudio, seconds: Double) {
        let length = min(Int(seconds * Double(StereoAudio.sampleRate)), audio.frameCount / 2)
        guard length > 0 else { return }
        for index in 0..<length {
            let gain = Float(index) / Float(length)
            let tail = audio.frameCount - 1 - index
            audio.left[index] *= gain
            audio.right[index] *= gain
            audio.left[tail] *= gain
            audio.right[tail] *= gain
        }
    }
}

// MARK: - DSP building blocks

/// A small seeded generator (xorshift64*, seeded through SplitMix64): fast, deterministic, and
/// never the system generator.
private struct AmbienceRandom {
    private var state: UInt64

    init(seed: UInt64) {
        var z = seed &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        state = z == 0 ? 0x2545_F491_4F6C_DD1D : z
    }

    @inline(__always) mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 0x2545_F491_4F6C_DD1D
    }

    /// An independent generator for a sub-process (one voice, one channel), so each stream stays
    /// the same however much the others draw.
    mutating func split() -> AmbienceRandom { AmbienceRandom(seed: next()) }

    /// Uniform in [0, 1).
    @inline(__always) mutating func unit() -> Float { Float(next() >> 40) * (1 / 16_777_216) }

    /// White noise, uniform in [−1, 1).
    @inline(__always) mutating func noise() -> Float {
        Float(Int32(truncatingIfNeeded: next() >> 32)) * (1 / 2_147_483_648)
    }

    mutating func uniform(_ low: Float, _ high: Float) -> Float { low + (high - low) * unit() }

    mutating func logUniform(_ low: Float, _ high: Float) -> Float { low * pow(high / low, unit()) }

    /// Samples until the next event of a Poisson process with `rate` events a second.
    mutating func exponential(rate: Float) -> Float {
        -log(1 - unit()) / rate * Float(StereoAudio.sampleRate)
    }
}

/// A biquad filter (RBJ cookbook coefficients, transposed direct form II).
private struct Biquad {
    var b0: Float = 1, b1: Float = 0, b2: Float = 0, a1: Float = 0, a2: Float = 0
    var z1: Float = 0, z2: Float = 0

    static func lowPass(_ frequency: Float, q: Float) -> Biquad {
        var filter = Biquad()
        filter.setLowPass(frequency, q: q)
        return filter
    }

    static func highPass(_ frequency: Float, q: Float) -> Biquad {
        var filter = Biquad()
        let (cosine, alpha) = terms(frequency, q)
        filter.set(b0: (1 + cosine) / 2, b1: -(1 + cosine), b2: (1 + cosine) / 2, a0: 1 + alpha, a1: -2 * cosine, a2: 1 - alpha)
        return filter
    }

    static func bandPass(_ frequency: Float, q: Float) -> Biquad {
        var filter = Biquad()
        filter.setBandPass(frequency, q: q)
        return filter
    }

    mutating func setLowPass(_ frequency: Float, q: Float) {
        let (cosine, alpha) = Self.terms(frequency, q)
        set(b0: (1 - cosine) / 2, b1: 1 - cosine, b2: (1 - cosine) / 2, a0: 1 + alpha, a1: -2 * cosine, a2: 1 - alpha)
    }

    /// Band-pass with 0 dB gain at the centre.
    mutating func setBandPass(_ frequency: Float, q: Float) {
        let (cosine, alpha) = Self.terms(frequency, q)
        set(b0: alpha, b1: 0, b2: -alpha, a0: 1 + alpha, a1: -2 * cosine, a2: 1 - alpha)
    }

    private static func terms(_ frequency: Float, _ q: Float) -> (Float, Float) {
        let omega = 2 * Float.pi * min(frequency, 0.45 * Float(StereoAudio.sampleRate)) / Float(StereoAudio.sampleRate)
        return (cosf(omega), sinf(omega) / (2 * q))
    }

    private mutating func set(b0: Float, b1: Float, b2: Float, a0: Float, a1: Float, a2: Float) {
        self.b0 = b0 / a0
        self.b1 = b1 / a0
        self.b2 = b2 / a0
        self.a1 = a1 / a0
        self.a2 = a2 / a0
    }

    @inline(__always) mutating func process(_ x: Float) -> Float {
        let y = b0 * x + z1
        z1 = b1 * x - a1 * y + z2
        z2 = b2 * x - a2 * y
        return y
    }
}

/// Brown (red) noise: leaky-integrated white noise, about unit level.
private struct BrownNoise {
    private var value: Float = 0

    @inline(__always) mutating func next(_ white: Float) -> Float {
        value = 0.996 * value + 0.06 * white
        return value
    }
}

/// Pink noise from white (Paul Kellet's economy filter).
private struct PinkNoise {
    private var b0: Float = 0, b1: Float = 0, b2: Float = 0

    @inline(__always) mutating func next(_ white: Float) -> Float {
        b0 = 0.99765 * b0 + white * 0.0990460
        b1 = 0.96300 * b1 + white * 0.2965164
        b2 = 0.57000 * b2 + white * 1.0526913
        return (b0 + b1 + b2 + white * 0.1848) * 0.25
    }
}

/// A slowly wandering value: smoothstep glides between random targets in `low...high`, a new
/// target every `minSeconds...maxSeconds`.
private struct SmoothRandom {
    private let low: Float, high: Float
    private let minSamples: Float, maxSamples: Float
    private var random: AmbienceRandom
    private var from: Float, to: Float
    private var position: Float = 0, length: Float = 1
    private(set) var value: Float

    init(low: Float, high: Float, minSeconds: Float, maxSeconds: Float, random: inout AmbienceRandom) {
        self.low = low
        self.high = high
        minSamples = minSeconds * Float(StereoAudio.sampleRate)
        maxSamples = maxSeconds * Float(StereoAudio.sampleRate)
        self.random = random.split()
        from = self.random.uniform(low, high)
        to = self.random.uniform(low, high)
        length = self.random.uniform(minSamples, maxSamples)
        position = self.random.uniform(0, length)
        value = from
    }

    @inline(__always) mutating func next() -> Float {
        position += 1
        if position >= length {
            position = 0
            from = to
            to = random.uniform(low, high)
            length = random.uniform(minSamples, maxSamples)
        }
        let x = position / length
        value = from + (to - from) * (x * x * (3 - 2 * x))
        return value
    }
}

/// Short sound grains — damped resonances (drops, pops) or decaying noise bursts (crackles) —
/// summed as they play out.
private struct GrainBank {
    enum Kind {
        case resonance(frequency: Float, decaySeconds: Float, amplitude: Float)
        case noiseBurst(decaySeconds: Float, amplitude: Float, delay: Int)
    }

    private struct Grain {
        var coefficient: Float
        var damping: Float
        var current: Float
        var previous: Float
        var remaining: Int
        var delay: Int
        var isNoise: Bool
    }

    private var grains: [Grain] = []

    mutating func add(_ kind: Kind) {
        let rate = Float(StereoAudio.sampleRate)
        switch kind {
        case let .resonance(frequency, decaySeconds, amplitude):
            let radius = exp(-1 / (decaySeconds * rate))
            let omega = 2 * Float.pi * frequency / rate
            grains.append(Grain(coefficient: 2 * radius * cosf(omega), damping: radius * radius,
                                current: amplitude * sinf(omega), previous: 0,
                                remaining: Int(7 * decaySeconds * rate) + 1, delay: 0, isNoise: false))
        case let .noiseBurst(decaySeconds, amplitude, delay):
            grains.append(Grain(coefficient: 0, damping: exp(-1 / (decaySeconds * rate)), current: amplitude,
                                previous: 0, remaining: Int(7 * decaySeconds * rate) + 1, delay: delay, isNoise: true))
        }
    }

    @inline(__always) mutating func next(noise: inout AmbienceRandom) -> Float {
        var sum: Float = 0
        var index = 0
        while index < grains.count {
            if grains[index].delay > 0 {
                grains[index].delay -= 1
                index += 1
                continue
            }
            if grains[index].isNoise {
                sum += grains[index].current * noise.noise()
                grains[index].current *= grains[index].damping
            } else {
                let output = grains[index].current
                sum += output
                grains[index].current = grains[index].coefficient * output - grains[index].damping * grains[index].previous
                grains[index].previous = output
            }
            grains[index].remaining -= 1
            if grains[index].remaining <= 0 {
                grains.swapAt(index, grains.count - 1)
                grains.removeLast()
            } else {
                index += 1
            }
        }
        return sum
    }
}
