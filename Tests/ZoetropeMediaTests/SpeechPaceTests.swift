import Foundation
import Testing
import ZoetropeCore
import ZoetropeMedia

/// The built-in voices speak at a natural pace, measured on the synthesized audio; a line a little
/// too long for its shot is spoken faster at the same pitch, one far too long is refused.
@Suite(.serialized)
struct SpeechPaceTests {
    let synthesizer = SpeechSynthesizer()
    static let sampleRate = Double(StereoAudio.sampleRate)

    /// Everyday sentences, with their punctuation (espeak-ng pauses at it, as people do).
    static let english = [
        "Every morning I walk to the station, buy a newspaper, and read it on the train while the city wakes up.",
        "Please remember to bring your umbrella tomorrow, because the forecast says it will rain all afternoon.",
        "We should leave before the traffic gets worse on the highway.",
        "I have never seen such a beautiful sunset over the ocean in my whole life.",
        "Could you tell me where the nearest pharmacy is?",
    ]
    static let mandarin = [
        "今天天气很好，我们去公园散步吧。", "我们明天早上八点在学校门口见面。", "你好，很高兴认识你。",
        "这家饭店的菜非常好吃。", "我想去北京看看长城。", "周末我们一起去看电影，好不好？",
    ]

    func seconds(_ text: String, tempo: Double = 1) throws -> Double {
        let line = SpeechLine(text: text, language: SpeechScript.lines(in: "\"\(text)\"")[0].language)
        return Double(try synthesizer.synthesize(line, voice: nil, tempo: tempo).count) / Self.sampleRate
    }

    @Test func englishIsSpokenAt150To170WordsAMinute() async throws {
        let (words, seconds) = try await ProcessRunner.onDedicatedThread {
            (Self.english.map { $0.split(separator: " ").count }.reduce(0, +),
             try Self.english.map { try self.seconds($0) }.reduce(0, +))
        }
        let wordsPerMinute = Double(words) / seconds * 60
        #expect((150...170).contains(wordsPerMinute), "\(wordsPerMinute) words a minute")
    }

    @Test func mandarinIsSpokenAtAboutFourSyllablesASecond() async throws {
        let (syllables, seconds) = try await ProcessRunner.onDedicatedThread {
            (Self.mandarin.map { $0.unicodeScalars.filter { (0x4E00...0x9FFF).contains($0.value) }.count }.reduce(0, +),
             try Self.mandarin.map { try self.seconds($0) }.reduce(0, +))
        }
        let rate = Double(syllables) / seconds
        #expect((3.6...4.4).contains(rate), "\(rate) syllables a second")
    }

    /// A 3 s shot leaves 2.5 s for speech: six to eight Chinese characters fit it.
    @Test(arguments: ["你好，我的朋友", "今天天气真好啊", "我们明天早上见面"])
    func sixToEightChineseCharactersFitAThreeSecondShot(line: String) async throws {
        let request = GenerationRequest(prompt: "她说「\(line)」", startImage: .stored("start.png"), duration: 3)
        let placed = try await ProcessRunner.onDedicatedThread { try Soundtrack().placedLines(for: request) }
        #expect(placed.count == 1)
        let end = Double(placed[0].start + placed[0].samples.count) / Self.sampleRate
        #expect(end <= 3 - Soundtrack.speechTail + 0.05, "\(line) ends at \(end) s")
    }

    /// The first prefix of an everyday sentence whose natural speech needs between
    /// `range`'s bounds times the 2.5 s a 3 s shot allows.
    func line(needing range: ClosedRange<Double>) throws -> (text: String, seconds: Double) {
        for sentence in Self.english + ["the old fisherman rowed his little boat across the quiet bay while the gulls circled overhead"] {
            let words = sentence.split(separator: " ")
            for count in 1...words.count {
                let text = words.prefix(count).joined(separator: " ")
                let seconds = try seconds(text)
                if range.contains(seconds / 2.5) { return (text, seconds) }
                if seconds / 2.5 > range.upperBound { break }
            }
        }
        throw RenderError("no sentence's prefix needs \(range)× the shot")
    }

    @Test func aLineNeedingAFifthMoreTimeIsSpokenFasterAtTheSamePitchAndFits() async throws {
        let (text, natural, placed, slow) = try await ProcessRunner.onDedicatedThread {
            let found = try self.line(needing: 1.15...1.25)
            let request = GenerationRequest(prompt: "he says \"\(found.text)\"", startImage: .stored("start.png"), duration: 3)
            let samples = try self.synthesizer.synthesize(SpeechLine(text: found.text, language: .english), voice: nil)
            return (found.text, found.seconds, try Soundtrack().placedLines(for: request), samples)
        }
        let line = try #require(placed.first)
        #expect(abs(line.tempo - natural / 2.5) < 0.01, "\(text): tempo \(line.tempo), natural \(natural) s")
        let spoken = Double(line.samples.count) / Self.sampleRate
        #expect(spoken <= 2.5 + 0.05 && spoken >= 2.5 * 0.9, "\(text): \(spoken) s spoken")
        let end = Double(line.start + line.samples.count) / Self.sampleRate
        #expect(end <= 3, "\(text) ends at \(end) s")
        // Same pitch: the median f0 of the quickened line within 3 % of the natural one's.
        let tracker = PitchTracker()
        let median = { (samples: [Float]) -> Double in
            let f0 = tracker.frames(samples, sampleRate: Int(Self.sampleRate)).compactMap(\.f0).sorted()
            return f0[f0.count / 2]
        }
        let natural0 = median(slow)
        let quickened0 = median(line.samples)
        #expect(abs(quickened0 / natural0 - 1) < 0.03, "median f0 \(natural0) Hz natural, \(quickened0) Hz quickened")
    }

    @Test func aLineNeedingTwiceTheTimeIsRefusedWithTheShotsAllowance() async throws {
        let text = try await ProcessRunner.onDedicatedThread { try self.line(needing: 1.9...2.3).text }
        let request = GenerationRequest(prompt: "he says \"\(text)\"", startImage: .stored("start.png"), duration: 3)
        let outcome = try await ProcessRunner.onDedicatedThread { Result { try Soundtrack().placedLines(for: request) } }
        guard case .failure(let error) = outcome, let refusal = error as? InvalidRequest else {
            Issue.record("\(text): not refused (\(outcome))")
            return
        }
        #expect(refusal.field == "prompt", "\(refusal)")
        #expect(refusal.message.contains("at most 2.5 s of speech") && refusal.message.contains("the video is 3 s long"), "\(refusal.message)")
    }
}
