import Foundation

/// Brings text to the form that policy terms are matched in, the same for a prompt and for a
/// term: compatibility forms folded (full-width, ligatures, circled and mathematical letters),
/// case folded, diacritics and zero-width or joiner characters dropped, look-alike Cyrillic, Greek
/// and Armenian letters, small capitals and phonetic letters read as Latin, and the common digit
/// and symbol substitutions (`0`→o, `3`→e, `@`→a, `$`→s, …) read as the letters they stand for.
/// `1`, `!`, `|` and a lowercase `l` in a word of capitals (`SUlCIDE`) stand for `i` or `l`: they
/// are written `1`, which `TermMatcher` lets match either.
public enum TextNormalizer {
    /// The text with every character in its canonical form; separators are kept as they are.
    public static func canonical(_ text: String) -> String {
        var capitals = String.UnicodeScalarView()
        for scalar in text.precomposedStringWithCompatibilityMapping.unicodeScalars {
            capitals.append(capitalLookAlikes[scalar] ?? scalar)
        }
        let folded = lowercaseLsInCapitals(String(capitals)).lowercased().decomposedStringWithCanonicalMapping
        var scalars = String.UnicodeScalarView()
        for scalar in folded.unicodeScalars {
            switch scalar.properties.generalCategory {
            case .nonspacingMark, .enclosingMark, .format:
                continue  // diacritics, variation selectors, zero-width and joiner characters
            default:
                if isIgnorable(scalar) { continue }
                scalars.append(lookAlikes[scalar] ?? scalar)
            }
        }
        return String(scalars).precomposedStringWithCanonicalMapping
    }

    /// The canonical text split into words: runs of letters and digits, each with the
    /// separators that came before it. Substitution characters inside a word count as letters.
    public static func words(_ text: String) -> [Word] {
        var words: [Word] = []
        var current: [(character: Character, symbol: Bool)] = []
        var separator = ""
        func flush() {
            guard !current.isEmpty else { return }
            let text = String(current.map(\.character))
            let middle = current.drop { $0.symbol }.reversed().drop { $0.symbol }.reversed().map(\.character)
            let bare = middle.isEmpty || middle.count == current.count ? nil : readingDigits(String(middle))
            words.append(Word(text: readingDigits(text), separatorBefore: separator, bare: bare))
            current = []
            separator = ""
        }
        let characters = Array(canonical(text))
        for (index, character) in characters.enumerated() {
            if isWordCharacter(character) {
                current.append((character, false))
            } else if let letter = symbolLetters[character],
                (!current.isEmpty && character != "!")
                    || (index + 1 < characters.count && isWordCharacter(characters[index + 1]))
            {
                current.append((letter, true))  // touches a word: `@ss`, `$ex`, `ki||`, `k!ll`; not `lol!`
            } else {
                flush()
                separator.append(character)
            }
        }
        flush()
        return words
    }

    /// One word of a text, and the separators between it and the word before.
    public struct Word: Sendable, Equatable {
        public var text: String
        public var separatorBefore: String
        /// The word without the symbols that begin or end it (`nude` of `nude!`, `porn` of `@porn`),
        /// when it has some: they may be punctuation rather than letters.
        public var bare: String? = nil
        /// Whether the separators before this word include white space.
        public var followsSpace: Bool { separatorBefore.contains { $0.isWhitespace } }
    }

    /// Whether the character belongs to a script written without spaces between words (Han,
    /// kana, Hangul, Thai, Lao, Khmer, Myanmar), where terms are matched as substrings.
    public static func isUnspacedScript(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x2E80...0x2FDF, 0x3040...0x30FF, 0x3100...0x31FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
            0xAC00...0xD7AF, 0x1100...0x11FF, 0xF900...0xFAFF, 0x20000...0x3134F,
            0x0E00...0x0EFF, 0x1780...0x17FF, 0x1000...0x109F:
            true
        default:
            false
        }
    }

    static func isWordCharacter(_ character: Character) -> Bool {
        character.isLetter || character.isNumber
    }

    /// A lowercase `l` in a word otherwise written in capitals, as `1`: there it is most likely a
    /// capital I in disguise (`SUlCIDE`, `HENTAl`), which sans-serif fonts draw alike.
    private static func lowercaseLsInCapitals(_ text: String) -> String {
        var result = ""
        var word: [Character] = []
        func flush() {
            let capitals = word.filter(\.isUppercase).count
            let disguised = capitals >= 2 && word.allSatisfy { $0.isUppercase || $0 == "l" || !$0.isLetter }
            result += disguised ? String(word.map { $0 == "l" ? "1" : $0 }) : String(word)
            word = []
        }
        for character in text {
            if isWordCharacter(character) {
                word.append(character)
            } else {
                flush()
                result.append(character)
            }
        }
        flush()
        return result
    }

    /// A word's digits read as the letters they stand for, when the word has letters too
    /// (`nud3` is "nude"; `1080` stays a number). `1` stays `1`: it stands for `i` or `l`.
    static func readingDigits(_ word: String) -> String {
        guard word.contains(where: \.isLetter) else { return word }
        return String(word.map { digitLetters[$0] ?? $0 })
    }

    private static func isIgnorable(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180B...0x180F, 0x3164, 0xFFA0: true
        default: false
        }
    }

    private static let digitLetters: [Character: Character] = [
        "0": "o", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g",
    ]

    private static let symbolLetters: [Character: Character] = ["@": "a", "$": "s", "!": "1", "|": "1"]

    /// Greek capitals whose small letter looks like another Latin letter than they do (`Ν` is an
    /// N but `ν` a v), as the Latin capital; read before case is folded.
    private static let capitalLookAlikes = table([
        ("Η", "H"), ("Ν", "N"), ("Υ", "Y"), ("Μ", "M"), ("Ζ", "Z"), ("Ϲ", "C"),
    ])

    /// Cyrillic, Greek and Armenian letters, Latin small capitals and phonetic letters that look
    /// like Latin ones, as the Latin letter.
    private static let lookAlikes = table([
        ("а", "a"), ("в", "b"), ("е", "e"), ("ё", "e"), ("з", "3"), ("і", "i"), ("ї", "i"), ("ј", "j"),
        ("к", "k"), ("м", "m"), ("н", "h"), ("о", "o"), ("р", "p"), ("с", "c"), ("т", "t"), ("у", "y"),
        ("х", "x"), ("ѕ", "s"), ("ԁ", "d"), ("ԛ", "q"), ("ԝ", "w"), ("ɑ", "a"), ("ı", "i"),
        ("α", "a"), ("β", "b"), ("ε", "e"), ("η", "n"), ("ι", "i"), ("κ", "k"), ("ν", "v"), ("ο", "o"),
        ("ρ", "p"), ("τ", "t"), ("υ", "u"), ("χ", "x"), ("ω", "w"), ("ϲ", "c"), ("ϳ", "j"),
        ("օ", "o"), ("ս", "u"), ("ո", "n"), ("հ", "h"), ("ց", "g"), ("զ", "q"), ("ք", "p"),
        ("ᴀ", "a"), ("ʙ", "b"), ("ᴄ", "c"), ("ᴅ", "d"), ("ᴇ", "e"), ("ꜰ", "f"), ("ɢ", "g"), ("ʜ", "h"),
        ("ɪ", "i"), ("ᴊ", "j"), ("ᴋ", "k"), ("ʟ", "l"), ("ᴍ", "m"), ("ɴ", "n"), ("ᴏ", "o"), ("ᴘ", "p"),
        ("ʀ", "r"), ("ꜱ", "s"), ("ᴛ", "t"), ("ᴜ", "u"), ("ᴠ", "v"), ("ᴡ", "w"), ("ʏ", "y"), ("ᴢ", "z"),
        ("ɡ", "g"), ("ɩ", "i"), ("ɒ", "a"), ("ʋ", "u"), ("μ", "u"), ("п", "n"), ("ӏ", "1"),
    ])

    private static func table(_ pairs: [(String, String)]) -> [Unicode.Scalar: Unicode.Scalar] {
        var table: [Unicode.Scalar: Unicode.Scalar] = [:]
        for (from, to) in pairs { table[from.unicodeScalars.first!] = to.unicodeScalars.first! }
        return table
    }
}
