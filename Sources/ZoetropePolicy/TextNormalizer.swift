import Foundation

/// Brings text to the form that policy terms are matched in, the same for a prompt and for a
/// term: compatibility forms folded (full-width, ligatures, circled and mathematical letters),
/// case folded, diacritics and zero-width or joiner characters dropped, look-alike Cyrillic and
/// Greek letters read as Latin, and the common digit and symbol substitutions (`0`→o, `3`→e,
/// `@`→a, `$`→s, …) read as the letters they stand for.
public enum TextNormalizer {
    /// The text with every character in its canonical form; separators are kept as they are.
    public static func canonical(_ text: String) -> String {
        let folded = text.precomposedStringWithCompatibilityMapping.lowercased()
            .decomposedStringWithCanonicalMapping
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
        var current = ""
        var separator = ""
        let characters = Array(canonical(text))
        for (index, character) in characters.enumerated() {
            if isWordCharacter(character) {
                current.append(character)
            } else if let letter = symbolLetters[character], isWordCharacter(neighbour: characters, index) {
                current.append(letter)
            } else {
                if !current.isEmpty {
                    words.append(Word(text: current, separatorBefore: separator))
                    current = ""
                    separator = ""
                }
                separator.append(character)
            }
        }
        if !current.isEmpty { words.append(Word(text: current, separatorBefore: separator)) }
        return words.map { Word(text: readingDigits($0.text), separatorBefore: $0.separatorBefore) }
    }

    /// One word of a text, and the separators between it and the word before.
    public struct Word: Sendable, Equatable {
        public var text: String
        public var separatorBefore: String
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

    /// Whether a substitution symbol at `index` touches a letter or digit (`@ss`, `$ex`), so it
    /// is read as a letter rather than as a separator.
    private static func isWordCharacter(neighbour characters: [Character], _ index: Int) -> Bool {
        (index > 0 && isWordCharacter(characters[index - 1]))
            || (index + 1 < characters.count && isWordCharacter(characters[index + 1]))
    }

    /// A word's digits read as the letters they stand for, when the word has letters too
    /// (`nud3` is "nude"; `1080` stays a number). `1` and `l` both read as `i`, in terms too.
    private static func readingDigits(_ word: String) -> String {
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
        "0": "o", "1": "i", "l": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g",
    ]

    private static let symbolLetters: [Character: Character] = ["@": "a", "$": "s", "!": "i", "|": "i"]

    /// Cyrillic and Greek letters that look like Latin ones, as the Latin letter.
    private static let lookAlikes: [Unicode.Scalar: Unicode.Scalar] = {
        let pairs: [(String, String)] = [
            ("а", "a"), ("в", "b"), ("е", "e"), ("ё", "e"), ("з", "3"), ("і", "i"), ("ї", "i"), ("ј", "j"),
            ("к", "k"), ("м", "m"), ("н", "h"), ("о", "o"), ("р", "p"), ("с", "c"), ("т", "t"), ("у", "y"),
            ("х", "x"), ("ѕ", "s"), ("ԁ", "d"), ("ԛ", "q"), ("ԝ", "w"), ("ɑ", "a"), ("ı", "i"),
            ("α", "a"), ("β", "b"), ("ε", "e"), ("η", "n"), ("ι", "i"), ("κ", "k"), ("ν", "v"), ("ο", "o"),
            ("ρ", "p"), ("τ", "t"), ("υ", "u"), ("χ", "x"), ("ω", "w"),
        ]
        var table: [Unicode.Scalar: Unicode.Scalar] = [:]
        for (from, to) in pairs { table[from.unicodeScalars.first!] = to.unicodeScalars.first! }
        return table
    }()
}
