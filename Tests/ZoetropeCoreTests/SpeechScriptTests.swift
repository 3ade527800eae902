import Testing
import ZoetropeCore

/// Reading the spoken lines and voice tags out of prompts.
struct SpeechScriptTests {
    @Test func quotedTextIsSpokenInItsLanguage() {
        let lines = SpeechScript.lines(in: #"A man says "Good morning!" and she answers “Hi there”, then 老人说「你好」 and 『谢谢』."#)
        #expect(lines == [
            SpeechLine(text: "Good morning!", language: .english),
            SpeechLine(text: "Hi there", language: .english),
            SpeechLine(text: "你好", language: .mandarin),
            SpeechLine(text: "谢谢", language: .mandarin),
        ])
        #expect(SpeechScript.lines(in: "no quotes, it's just a scene").isEmpty)
        #expect(SpeechScript.lines(in: #"an unclosed "quote"#).isEmpty)
        #expect(SpeechScript.lines(in: #"empty "  " quotes"#).isEmpty)
    }

    @Test func voiceTagsChooseTheSpeakerOfTheLinesAfterThem() {
        let prompt = #"<<<voice_1>>> "Are you there?" <<<voice_2>>> “Yes.” “Coming.” <<<voice_1>>>「好的」"#
        #expect(SpeechScript.lines(in: prompt).map(\.voiceTag) == [1, 2, 2, 1])
        #expect(SpeechScript.voiceTags(in: prompt) == [1, 2, 1])
        #expect(SpeechScript.lines(in: #""untagged""#).first?.voiceTag == nil)
        // Not tags: no digits, or not closed.
        #expect(SpeechScript.voiceTags(in: "<<<voice_>>> <<<voice_3 >>> <<<voice_x>>>").isEmpty)
    }
}
