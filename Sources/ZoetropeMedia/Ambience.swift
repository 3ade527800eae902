import Foundation

/// A kind of procedural ambience bed for a video's soundtrack, read from its prompt.
public enum Ambience: String, Sendable, CaseIterable, Codable {
    case rain, wind, ocean, fire, city, forest, crowd, room

    /// English words that call for each bed, matched as whole words of the lowercased prompt.
    private static let englishWords: [(Ambience, Set<String>)] = [
        (.rain, ["rain", "rains", "rainy", "raining", "rained", "rainfall", "rainstorm", "raindrops", "raindrop",
                 "drizzle", "drizzling", "storm", "stormy", "storms", "downpour", "showers", "thunderstorm",
                 "monsoon", "thunder"]),
        (.wind, ["wind", "winds", "windy", "breeze", "breezy", "gust", "gusts", "gusty", "gale", "blizzard",
                 "windswept", "howling", "whistling", "tornado", "hurricane", "desert", "dunes"]),
        (.ocean, ["ocean", "oceans", "sea", "seas", "seaside", "seashore", "wave", "waves", "beach", "beaches",
                  "surf", "surfing", "shore", "shoreline", "coast", "coastal", "coastline", "tide", "tides",
                  "harbor", "harbour", "lighthouse"]),
        (.fire, ["fire", "fires", "campfire", "fireplace", "flame", "flames", "bonfire", "burning", "blaze",
                 "blazing", "embers", "hearth", "torch", "torches", "candle", "candles", "wildfire", "inferno"]),
        (.city, ["city", "cities", "street", "streets", "traffic", "car", "cars", "downtown", "urban", "road",
                 "highway", "avenue", "metropolis", "skyline", "taxi", "taxis", "bus", "intersection", "cyberpunk",
                 "neon", "skyscraper", "skyscrapers"]),
        (.forest, ["forest", "forests", "woods", "woodland", "bird", "birds", "jungle", "birdsong", "rainforest",
                   "trees", "tree", "meadow", "garden", "park", "grove", "leaves", "songbird", "songbirds", "nature",
                   "countryside"]),
        (.crowd, ["crowd", "crowds", "crowded", "people", "market", "marketplace", "bazaar", "cheering", "cheer",
                  "audience", "cafe", "café", "restaurant", "pub", "party", "festival", "concert", "stadium",
                  "plaza", "chatter", "chatting", "mall", "classroom", "busker"]),
    ]

    /// Chinese fragments (simplified and traditional) that call for each bed, matched as substrings.
    private static let chineseFragments: [(Ambience, [String])] = [
        (.rain, ["雨", "雷", "暴风雨"]),
        (.wind, ["风", "風", "沙漠", "暴雪"]),
        (.ocean, ["海", "浪", "沙滩", "沙灘", "潮", "岸边", "岸邊"]),
        (.fire, ["火", "篝火", "壁炉", "壁爐", "燃烧", "燃燒", "蜡烛", "蠟燭"]),
        (.city, ["城市", "街", "交通", "车流", "車流", "汽车", "汽車", "马路", "馬路", "都市", "霓虹", "公路"]),
        (.forest, ["森林", "树林", "樹林", "鸟", "鳥", "丛林", "叢林", "树", "樹", "花园", "花園", "公园", "公園"]),
        (.crowd, ["人群", "观众", "觀眾", "人们", "人們", "市场", "市場", "集市", "欢呼", "歡呼", "咖啡馆", "咖啡館",
                  "餐厅", "餐廳", "热闹", "熱鬧", "人潮", "聚会", "聚會", "车站", "車站"]),
    ]

    /// Chinese words that contain a bed's character without meaning it (风景 is scenery, not wind;
    /// 火车 is a train; 海报 a poster); they are blanked out before matching.
    private static let chineseExclusions = [
        "风景", "風景", "风格", "風格", "风光", "風光", "风筝", "風箏", "作风", "作風", "火车", "火車", "火锅", "火鍋",
        "海报", "海報", "上海", "火箭", "火山", "雨伞", "雨傘", "雨衣", "街舞", "街机", "火柴", "烟火", "煙火",
    ]

    /// Whole-word English intensity cues and how far each moves the 0.6 default.
    private static let englishIntensity: [String: Double] = [
        "heavy": 0.3, "heavily": 0.3, "pouring": 0.3, "torrential": 0.35, "storm": 0.25, "stormy": 0.25,
        "thunderstorm": 0.3, "downpour": 0.3, "roaring": 0.3, "raging": 0.35, "busy": 0.25, "bustling": 0.25,
        "loud": 0.3, "intense": 0.3, "strong": 0.25, "crashing": 0.25, "howling": 0.25, "packed": 0.25,
        "crowded": 0.2, "violent": 0.35, "wild": 0.2, "huge": 0.2, "massive": 0.25, "powerful": 0.25,
        "light": -0.25, "lightly": -0.25, "gentle": -0.25, "gently": -0.25, "quiet": -0.25, "quietly": -0.25,
        "distant": -0.2, "faint": -0.25, "soft": -0.25, "softly": -0.25, "calm": -0.2, "peaceful": -0.2,
        "serene": -0.2, "tranquil": -0.2, "still": -0.15, "drizzle": -0.2, "drizzling": -0.2, "subtle": -0.2,
        "sparse": -0.2, "lazy": -0.15, "whisper": -0.2, "whispering": -0.2, "muffled": -0.2,
    ]

    /// Chinese intensity cues, matched as substrings. 大 and 小 count only next to what they size
    /// (大雨, 小风...): alone they are too common (大海 is just the sea, 小鸟 just a bird).
    private static let chineseIntensity: [(String, Double)] = [
        ("大雨", 0.3), ("暴雨", 0.35), ("大风", 0.3), ("大風", 0.3), ("狂风", 0.35), ("狂風", 0.35), ("暴风", 0.3),
        ("暴風", 0.3), ("大火", 0.3), ("熊熊", 0.3), ("大浪", 0.3), ("巨浪", 0.35), ("汹涌", 0.3), ("洶湧", 0.3),
        ("喧闹", 0.25), ("喧鬧", 0.25), ("热闹", 0.25), ("熱鬧", 0.25), ("繁忙", 0.25), ("拥挤", 0.2), ("擁擠", 0.2),
        ("倾盆", 0.35), ("傾盆", 0.35), ("猛烈", 0.3), ("强烈", 0.25), ("強烈", 0.25), ("大声", 0.3), ("大聲", 0.3),
        ("小雨", -0.25), ("细雨", -0.25), ("細雨", -0.25), ("毛毛雨", -0.25), ("微风", -0.25), ("微風", -0.25),
        ("小风", -0.25), ("小風", -0.25), ("小火", -0.25), ("轻", -0.25), ("輕", -0.25), ("安静", -0.25),
        ("安靜", -0.25), ("宁静", -0.2), ("寧靜", -0.2), ("远处", -0.2), ("遠處", -0.2), ("柔和", -0.2),
        ("平静", -0.2), ("平靜", -0.2), ("静谧", -0.2), ("靜謐", -0.2),
    ]

    /// The ambience beds a prompt asks for, first-mentioned first, at most two; `[.room]` (quiet
    /// room tone) when nothing matches. English is matched by whole words ("rainbow" is not rain,
    /// "seaside" is the sea), Chinese by substrings.
    public static func classify(_ prompt: String) -> [Ambience] {
        let text = chineseText(of: prompt.lowercased())
        var firstMention: [Ambience: Int] = [:]
        func note(_ kind: Ambience, at offset: Int) {
            if let known = firstMention[kind], known <= offset { return }
            firstMention[kind] = offset
        }
        for (word, offset) in words(of: text) {
            for (kind, vocabulary) in englishWords where vocabulary.contains(word) {
                note(kind, at: offset)
            }
        }
        let scalars = Array(text.unicodeScalars)
        for (kind, fragments) in chineseFragments {
            for fragment in fragments {
                if let offset = firstOffset(of: Array(fragment.unicodeScalars), in: scalars) {
                    note(kind, at: offset)
                }
            }
        }
        let ranked = firstMention.sorted { lhs, rhs in
            lhs.value != rhs.value ? lhs.value < rhs.value
                : allCases.firstIndex(of: lhs.key)! < allCases.firstIndex(of: rhs.key)!
        }
        let kinds = ranked.prefix(2).map(\.key)
        return kinds.isEmpty ? [.room] : kinds
    }

    /// How loud and dense the beds should be, 0.3 (light, distant) ... 1 (heavy, roaring); 0.6 when
    /// the prompt says nothing about it.
    public static func intensity(_ prompt: String) -> Double {
        var level = 0.6
        for word in Set(words(of: prompt.lowercased()).map(\.word)) {
            level += englishIntensity[word] ?? 0
        }
        let text = chineseText(of: prompt)
        for (fragment, delta) in chineseIntensity where text.contains(fragment) {
            level += delta
        }
        return min(max(level, 0.3), 1)
    }

    /// Runs of Latin letters in `text` (apostrophes dropped, so "don't" is one word) with the
    /// offset, in Unicode scalars, where each starts.
    private static func words(of text: String) -> [(word: String, offset: Int)] {
        var result: [(word: String, offset: Int)] = []
        var current = String.UnicodeScalarView()
        var start = 0
        for (offset, scalar) in text.unicodeScalars.enumerated() {
            if scalar.properties.isAlphabetic, scalar.value < 0x2E80 {
                if current.isEmpty { start = offset }
                current.append(scalar)
            } else if scalar == "'" || scalar == "\u{2019}" || scalar.properties.generalCategory == .nonspacingMark {
                if !current.isEmpty { current.append(scalar) }
            } else if !current.isEmpty {
                result.append((String(current).replacingOccurrences(of: "'", with: "")
                    .replacingOccurrences(of: "\u{2019}", with: ""), start))
                current = String.UnicodeScalarView()
            }
        }
        if !current.isEmpty {
            result.append((String(current).replacingOccurrences(of: "'", with: "")
                .replacingOccurrences(of: "\u{2019}", with: ""), start))
        }
        return result
    }

    /// The prompt with words that only look like a bed (风景, 火车...) blanked out, scalar for scalar
    /// so offsets still line up.
    private static func chineseText(of prompt: String) -> String {
        var text = prompt
        for exclusion in chineseExclusions where text.contains(exclusion) {
            text = text.replacingOccurrences(of: exclusion, with: "\u{3000}\u{3000}")
        }
        return text
    }

    private static func firstOffset(of needle: [Unicode.Scalar], in haystack: [Unicode.Scalar]) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count)
        where haystack[start] == needle[0] && Array(haystack[start..<(start + needle.count)]) == needle {
            return start
        }
        return nil
    }
}
