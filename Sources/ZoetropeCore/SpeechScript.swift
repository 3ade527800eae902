/// One line to be spoken, read from a prompt.
public struct SpeechLine: Sendable, Equatable {
    /// Which espeak-ng language speaks it.
    public enum Language: String, Sendable, Equatable {
        case english = "en"
        case mandarin = "zh"
    }

    public var text: String
    public var language: Language
    /// The `N` of the `<<<voice_N>>>` tag in force before the line (1-based), nil when none.
    public var voiceTag: Int?

    public init(text: String, language: Language, voiceTag: Int? = nil) {
        self.text = text
        self.language = language
        self.voiceTag = voiceTag
    }
}

/// Reads the lines a prompt asks to be spoken: text in quotes (`"…"`, `“…”`, `「…」`, `『…』`),
/// each spoken by the voice of the last `<<<voice_N>>>` tag before it. A line with Chinese
/// characters is Mandarin, any other English.
public enum SpeechScript {
    static let quotes: [Character: Character] = ["\"": "\"", "“": "”", "「": "」", "『": "』"]
    static let tagPrefix = "<<<voice_"

    public static func lines(in prompt: String) -> [SpeechLine] {
        var lines: [SpeechLine] = []
        var tag: Int?
        var index = prompt.startIndex
        while index < prompt.endIndex {
            if prompt[index...].hasPrefix(tagPrefix), let (number, end) = readTag(prompt, at: index) {
                tag = number
                index = end
                continue
            }
            if let close = quotes[prompt[index]] {
                let start = prompt.index(after: index)
                guard let end = prompt[start...].firstIndex(of: close) else { break }  // unclosed: not speech
                let text = prompt[start..<end].trimmingWhitespace()
                if !text.isEmpty {
                    lines.append(SpeechLine(text: text, language: language(of: text), voiceTag: tag))
                }
                index = prompt.index(after: end)
                continue
            }
            index = prompt.index(after: index)
        }
        return lines
    }

    /// Every `<<<voice_N>>>` tag's N in the prompt, in order.
    public static func voiceTags(in prompt: String) -> [Int] {
        var tags: [Int] = []
        var index = prompt.startIndex
        while let range = prompt[index...].range(of: tagPrefix) {
            if let (number, end) = readTag(prompt, at: range.lowerBound) {
                tags.append(number)
                index = end
            } else {
                index = range.upperBound
            }
        }
        return tags
    }

    static func language(of text: String) -> SpeechLine.Language {
        text.unicodeScalars.contains { (0x4E00...0x9FFF).contains($0.value) || (0x3400...0x4DBF).contains($0.value) }
            ? .mandarin : .english
    }

    /// `<<<voice_N>>>` at `index`: N and the index after the tag.
    private static func readTag(_ text: String, at index: String.Index) -> (Int, String.Index)? {
        let digitsStart = text.index(index, offsetBy: tagPrefix.count)
        let digits = text[digitsStart...].prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, digits.count <= 2, let number = Int(digits),
            text[digits.endIndex...].hasPrefix(">>>")
        else { return nil }
        return (number, text.index(digits.endIndex, offsetBy: 3))
    }
}

extension Substring {
    fileprivate func trimmingWhitespace() -> String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
