/// Finds a policy's terms in text, both brought to `TextNormalizer`'s canonical form. Words in
/// spaced scripts match whole (a term inside a longer word, as "cunt" in "Scunthorpe", does not
/// match; an English plural of a term does), also when spelled out with separators between
/// letters ("n.u.d.e", "n u d e", "nu-de") or joined by punctuation; terms in scripts written
/// without spaces (Chinese, Japanese, Korean, Thai, …) match anywhere, across separators.
public struct TermMatcher: Sendable {
    /// One category's terms.
    public struct Entry: Sendable {
        public var category: String
        public var action: PolicyAction
        public var terms: [String]
        public init(category: String, action: PolicyAction, terms: [String]) {
            self.category = category
            self.action = action
            self.terms = terms
        }
    }

    /// A term that was found: its category and what the category does. The term itself is never
    /// reported.
    public struct Hit: Sendable, Equatable {
        public var category: String
        public var action: PolicyAction
    }

    private var singleWords: [String: [Hit]] = [:]
    /// Terms of several words, by their first word: the remaining words and the hit.
    private var phrases: [String: [(rest: [String], hit: Hit)]] = [:]
    private var unspaced: [(term: String, hit: Hit)] = []
    /// Letters in the longest whole-word term: how far spelled-out letters are joined.
    private var longestWord = 0

    public init(_ entries: [Entry]) {
        for entry in entries {
            let hit = Hit(category: entry.category, action: entry.action)
            for term in entry.terms {
                let words = TextNormalizer.words(term).map(\.text)
                guard let first = words.first else { continue }
                if term.unicodeScalars.contains(where: TextNormalizer.isUnspacedScript) {
                    unspaced.append((words.joined(), hit))
                    continue
                }
                singleWords[words.joined(), default: []].append(hit)
                longestWord = max(longestWord, words.joined().count)
                if words.count > 1 { phrases[first, default: []].append((Array(words.dropFirst()), hit)) }
            }
        }
    }

    /// Whether the matcher has no terms at all.
    public var isEmpty: Bool { singleWords.isEmpty && unspaced.isEmpty }

    /// Every category whose terms appear in `text`, blocking ones first, each once.
    public func hits(in text: String) -> [Hit] {
        let words = TextNormalizer.words(text)
        guard !words.isEmpty else { return [] }
        var found: [Hit] = []
        func note(_ hits: [Hit]?) {
            for hit in hits ?? [] where !found.contains(hit) { found.append(hit) }
        }
        for candidate in Self.candidates(words, longest: longestWord) {
            note(singleWords[candidate])
            for suffix in ["s", "es"] where candidate.count > suffix.count + 2 && candidate.hasSuffix(suffix) {
                note(singleWords[String(candidate.dropLast(suffix.count))])
            }
        }
        let texts = words.map(\.text)
        for (index, word) in texts.enumerated() {
            for phrase in phrases[word] ?? [] where index + phrase.rest.count < texts.count {
                if Array(texts[(index + 1)...(index + phrase.rest.count)]) == phrase.rest { note([phrase.hit]) }
            }
        }
        if !unspaced.isEmpty {
            let compact = texts.joined()
            for entry in unspaced where compact.contains(entry.term) { note([entry.hit]) }
        }
        return found.sorted { $0.action == .block && $1.action != .block }
    }

    /// The strings a whole-word term is compared with: each word; each run of words joined by
    /// punctuation alone ("n.u.d.e", "self-harm"); each stretch of up to `longest` single-letter
    /// words in a row ("n u d e", also inside "a n u d e").
    static func candidates(_ words: [TextNormalizer.Word], longest: Int) -> [String] {
        var candidates = words.map(\.text)
        var index = 0
        while index < words.count {
            var end = index + 1
            while end < words.count, !words[end].followsSpace { end += 1 }
            if end - index > 1 { candidates.append(words[index..<end].map(\.text).joined()) }
            index = end
        }
        index = 0
        while index < words.count {
            var end = index
            while end < words.count, words[end].text.count == 1 { end += 1 }
            if end - index > 1 {
                let letters = words[index..<end].map(\.text)
                for start in letters.indices {
                    var joined = letters[start]
                    for next in letters.indices.dropFirst(start + 1).prefix(max(0, longest - 1)) {
                        joined += letters[next]
                        candidates.append(joined)
                    }
                }
                index = end
            } else {
                index += 1
            }
        }
        return candidates
    }
}
