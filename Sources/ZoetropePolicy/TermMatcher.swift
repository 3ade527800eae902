/// Finds a policy's terms in text, both brought to `TextNormalizer`'s canonical form. Words in
/// spaced scripts match whole (a term inside a longer word, as "cunt" in "Scunthorpe", does not
/// match; an English plural of a term does), also when spelled out with separators between
/// letters ("n.u.d.e", "n u d e", "nu-de"), joined by punctuation or drawn out ("nuuuude": a
/// letter written three times or more); terms in scripts written without spaces (Chinese,
/// Japanese, Korean, Thai, …) match anywhere, across separators. `1` (also `!`, `|`) in the text
/// stands for a term's `i` or `l`, and `i` for `l` (a capital I); a plain `l` is an l.
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

    /// A whole-word term as it is written, and its hit.
    private typealias Term = (text: String, hit: Hit)

    /// Whole-word terms (several words joined) by their loose form.
    private var singleWords: [String: [Term]] = [:]
    /// Whole-word terms by the loose form of their squeezed spelling (every run of one letter
    /// written once), for drawn-out words; only forms of at least `shortestSqueezed` letters.
    private var squeezedWords: [String: [Term]] = [:]
    /// Terms of several words, by their first word's loose form (and its squeezed one's): the
    /// words and the hit.
    private var phrases: [String: [(words: [String], hit: Hit)]] = [:]
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
                let joined = words.joined()
                singleWords[Self.loose(joined), default: []].append((joined, hit))
                let squeezed = Self.squeezed(joined)
                if squeezed.count >= Self.shortestSqueezed {
                    squeezedWords[Self.loose(squeezed), default: []].append((squeezed, hit))
                }
                longestWord = max(longestWord, joined.count)
                if words.count > 1 {
                    for key in Set([Self.loose(first), Self.loose(Self.squeezed(first))]) {
                        phrases[key, default: []].append((words, hit))
                    }
                }
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
            note(Self.lookUp(candidate, in: singleWords))
            if Self.isDrawnOut(candidate) { note(Self.lookUp(Self.squeezed(candidate), in: squeezedWords)) }
        }
        let texts = words.map(\.text)
        for (index, word) in words.enumerated() {
            let keys = Set(Self.forms(of: word).flatMap { [Self.loose($0), Self.loose(Self.squeezed($0))] })
            for phrase in keys.flatMap({ phrases[$0] ?? [] }) where index + phrase.words.count <= words.count {
                let written = words[index..<(index + phrase.words.count)]
                let last = phrase.words.count - 1
                let reads = zip(written, phrase.words).enumerated().allSatisfy { position, pair in
                    Self.forms(of: pair.0).contains { form in
                        Self.readsWord(form, as: pair.1)
                            || (position == last && Self.singulars(of: form).contains { Self.readsWord($0, as: pair.1) })
                    }
                }
                if reads { note([phrase.hit]) }
            }
        }
        if !unspaced.isEmpty {
            let compact = texts.joined()
            for entry in unspaced where compact.contains(entry.term) { note([entry.hit]) }
        }
        return found.sorted { $0.action == .block && $1.action != .block }
    }

    /// The hits of the terms a word reads as, itself or as an English plural (`-s`, `-es`).
    private static func lookUp(_ word: String, in terms: [String: [Term]]) -> [Hit] {
        ([word] + singulars(of: word)).flatMap { form in
            (terms[loose(form)] ?? []).filter { reads(form, as: $0.text) }.map(\.hit)
        }
    }

    /// The word without an English plural ending (`-s`, `-es`), when it has one.
    private static func singulars(of word: String) -> [String] {
        ["s", "es"].filter { word.count > $0.count + 2 && word.hasSuffix($0) }.map { String(word.dropLast($0.count)) }
    }

    /// A written word as it is, and without the symbols that begin or end it (`nude!`).
    private static func forms(of word: TextNormalizer.Word) -> [String] {
        [word.text] + (word.bare.map { [$0] } ?? [])
    }

    /// Whether a written word reads as a term's word: letter by letter the same, except that a
    /// written `1` may be the term's `i` or `l`, a written `i` its `l`, and in a term of at least
    /// `shortestLForI` letters a written `l` its `i` ("l0l1" and "Ioli" read as "loli", "sulcide" as
    /// "suicide"; "loll" is not "loli").
    static func reads(_ written: String, as term: String) -> Bool {
        let lForI = term.count >= shortestLForI
        return written.count == term.count && zip(written, term).allSatisfy { letter, wanted in
            letter == wanted || (letter == "1" && (wanted == "i" || wanted == "l")) || (letter == "i" && wanted == "l")
                || (lForI && letter == "l" && wanted == "i")
        }
    }

    /// Terms shorter than this do not read a written `l` as their `i`: among short words the swap
    /// makes real ones ("loll" for "loli").
    static let shortestLForI = 5

    /// Whether one written word of a phrase reads as the term's word there, also drawn out.
    private static func readsWord(_ written: String, as term: String) -> Bool {
        reads(written, as: term) || (isDrawnOut(written) && reads(squeezed(written), as: squeezed(term)))
    }

    /// The word with `1` and `l` written as `i`: the key terms are looked up by, so that every
    /// term a word may read as is found (`reads` then decides).
    static func loose(_ word: String) -> String {
        String(word.map { $0 == "1" || $0 == "l" ? "i" : $0 })
    }

    /// Squeezed forms shorter than this are not matched: "zzz" or "brrr" squeeze to too little.
    static let shortestSqueezed = 3

    /// The word with every run of one letter written once ("nuuuude" is "nude", "kill" "kil").
    static func squeezed(_ word: String) -> String {
        var result = ""
        for character in word where character != result.last { result.append(character) }
        return result
    }

    /// Whether the word writes one letter three times or more in a row, as a word drawn out to
    /// slip past a filter does ("nuuuude"); words of the languages terms are written in double a
    /// letter at most.
    static func isDrawnOut(_ word: String) -> Bool {
        var run = 0
        var previous: Character?
        for character in word {
            run = character == previous ? run + 1 : 1
            if run >= 3 { return true }
            previous = character
        }
        return false
    }

    /// The strings a whole-word term is compared with: each word (and its bare form); each run of
    /// words joined by punctuation alone ("n.u.d.e", "self-harm"); each stretch of up to `longest`
    /// single-letter words in a row ("n u d e", also inside "a n u d e"); digits in the joined ones
    /// read as letters ("n u d 3").
    static func candidates(_ words: [TextNormalizer.Word], longest: Int) -> [String] {
        var candidates = words.flatMap(forms(of:))
        var index = 0
        while index < words.count {
            var end = index + 1
            while end < words.count, !words[end].followsSpace { end += 1 }
            if end - index > 1 {
                candidates.append(TextNormalizer.readingDigits(words[index..<end].map(\.text).joined()))
            }
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
                        candidates.append(TextNormalizer.readingDigits(joined))
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
