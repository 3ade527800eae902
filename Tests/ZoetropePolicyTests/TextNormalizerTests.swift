import Testing
import ZoetropePolicy

/// The canonical form text and terms are matched in.
struct TextNormalizerTests {
    @Test func foldsWidthCaseDiacriticsAndInvisibleCharacters() {
        #expect(TextNormalizer.canonical("ＡＢＣ") == "abc")
        #expect(TextNormalizer.canonical("Crème Brûlée") == "creme brulee")
        #expect(TextNormalizer.canonical("a\u{200B}b\u{200D}c\u{FEFF}d") == "abcd")
        #expect(TextNormalizer.canonical("ﬁne") == "fine")
    }

    @Test func readsSubstitutedDigitsOnlyInsideWords() {
        #expect(TextNormalizer.words("h3ll0 1080 w@ter $ale k!ll").map(\.text) == ["hello", "1080", "water", "sale", "k1ll"])
    }

    @Test func keepsTheSeparatorsBeforeEachWord() {
        let words = TextNormalizer.words("n.u d")
        #expect(words.map(\.text) == ["n", "u", "d"])
        #expect(words.map(\.followsSpace) == [false, false, true])
    }
}
