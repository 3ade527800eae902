/// Which layers of the soundtrack a request keeps: the negative prompt removes the ones it names
/// ("noise", "ambience" → the ambience bed; "speech", "voice", "dialogue" → the spoken lines;
/// "music" → music, which the built-in soundtrack does not make).
public struct AudioLayers: Sendable, Equatable {
    public var ambience = true
    public var speech = true
    public var music = true

    public init(ambience: Bool = true, speech: Bool = true, music: Bool = true) {
        self.ambience = ambience
        self.speech = speech
        self.music = music
    }

    static let ambienceWords: Set<String> = ["noise", "noises", "noisy", "ambience", "ambient", "ambiance", "background"]
    static let speechWords: Set<String> = ["speech", "speaking", "voice", "voices", "dialogue", "dialog", "talking", "narration", "spoken"]
    static let musicWords: Set<String> = ["music", "musical", "song", "songs", "soundtrack"]
    static let ambienceChinese = ["噪音", "噪声", "环境音", "背景音"]
    static let speechChinese = ["语音", "说话", "对白", "人声", "旁白"]
    static let musicChinese = ["音乐", "歌曲", "配乐"]

    /// The layers left after `negativePrompt` removes the ones it names.
    public init(negativePrompt: String) {
        let text = negativePrompt.lowercased()
        let words = Set(text.split { !$0.isLetter }.map(String.init))
        ambience = words.isDisjoint(with: Self.ambienceWords) && !Self.ambienceChinese.contains { text.contains($0) }
        speech = words.isDisjoint(with: Self.speechWords) && !Self.speechChinese.contains { text.contains($0) }
        music = words.isDisjoint(with: Self.musicWords) && !Self.musicChinese.contains { text.contains($0) }
    }
}
