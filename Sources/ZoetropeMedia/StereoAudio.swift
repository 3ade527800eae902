/// A stereo sound buffer in 32-bit float (nominal range −1...1) at 48 kHz, the working format of
/// the soundtrack before it is normalized and written as 16-bit PCM.
public struct StereoAudio: Sendable, Equatable {
    public static let sampleRate = 48_000

    public var left: [Float]
    public var right: [Float]

    /// Silence of `frames` sample frames.
    public init(frames: Int) {
        left = [Float](repeating: 0, count: frames)
        right = [Float](repeating: 0, count: frames)
    }

    public init(left: [Float], right: [Float]) {
        precondition(left.count == right.count, "channels must be the same length")
        self.left = left
        self.right = right
    }

    public var frameCount: Int { left.count }
    public var duration: Double { Double(frameCount) / Double(Self.sampleRate) }

    /// Adds `other` scaled by `gain`, starting at sample frame `offset`; whatever would fall past
    /// this buffer's end is dropped.
    public mutating func mix(_ other: StereoAudio, at offset: Int = 0, gain: Float = 1) {
        let start = max(offset, 0)
        let end = min(frameCount, offset + other.frameCount)
        guard start < end else { return }
        for index in start..<end {
            left[index] += other.left[index - offset] * gain
            right[index] += other.right[index - offset] * gain
        }
    }

    /// Scales every sample by `gain`.
    public mutating func scale(by gain: Float) {
        for index in 0..<frameCount {
            left[index] *= gain
            right[index] *= gain
        }
    }

    /// 16-bit interleaved PCM for the encoder, rounded and clamped.
    public func pcm16() -> PCMAudio {
        var samples = [Int16](repeating: 0, count: frameCount * 2)
        for index in 0..<frameCount {
            samples[2 * index] = Int16(clamping: Int((left[index] * 32767).rounded()))
            samples[2 * index + 1] = Int16(clamping: Int((right[index] * 32767).rounded()))
        }
        return PCMAudio(sampleRate: Self.sampleRate, channels: 2, samples: samples)
    }
}
