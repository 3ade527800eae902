import Testing
import ZoetropePolicy

/// Term matching as a prompt is checked: obfuscated spellings of a term are found, harmless
/// words that merely contain one are not, Chinese terms are found inside sentences.
struct TermMatcherTests {
    static let matcher = TermMatcher([
        .init(category: "nudity", action: .block, terms: ["nude", "sex scene"]),
        .init(category: "insult", action: .block, terms: ["cunt"]),
        .init(category: "weapons", action: .flag, terms: ["gun"]),
        .init(category: "violence zh", action: .block, terms: ["血腥", "斩 首"]),
    ])

    static func categories(_ text: String) -> [String] { matcher.hits(in: text).map(\.category) }

    @Test(arguments: [
        "a nude portrait", "A NUDE portrait", "a Nude, portrait", "n.u.d.e", "n u d e beach", "n-u-d-e", "n_u_d_e",
        "nu.de", "n*u*d*e", "ｎｕｄｅ", "Ｎ Ｕ Ｄ Ｅ", "nu\u{200B}de", "n\u{200D}u\u{200C}d\u{2060}e", "nu\u{00AD}de", "nüdé", "nud3",
        "NUD3", "nudes on a beach", "ⓝⓤⓓⓔ", "𝐧𝐮𝐝𝐞", "nudе (Cyrillic e)", "a (nude)", "#nude", "a n u d e portrait", "I saw a n . u . d . e", 
        "a sex scene", "a SEX-SCENE", "sex  \n scene", "sexscene", "nuuuude", "a NUUUUDE portrait", "nuuudes",
        "nnnuuudddeee", "n u u u d e", "seeeex scene", "sex sceeeene",
        "ɴᴜᴅᴇ", "\u{039D}UDE (Greek capital Nu)", "n\u{057D}de (Armenian u)", "NUDΕ (Greek capital Epsilon)",
        "nude!", "she is nude!", "NUDE!!!", "nude|", "nude@", "!nude", "|nude", "@nude", "n u d 3", "n.u.d.3", "n-u-d-3",
        "n\u{00B5}de (micro sign)", "\u{043F}ude (Cyrillic pe)", "sex scenes", "sex scene!", "two sex-scenes",
    ])
    func findsObfuscatedSpellings(text: String) {
        #expect(Self.categories(text) == ["nudity"], "\(text)")
    }

    @Test(arguments: [
        "Scunthorpe United", "a denuded hillside", "nudeness? no: a nudibranch", "sextant and scenery",
        "a menu delivered", "begun", "a gunnery range? no, a begun gunnel", "1080p footage of a beach",
        "a cat walking on the beach at sunset", "an old man (80) reads", "n u d", "sex scenic route",
        "sooo good", "hmmm", "zzz", "nuuu", "a gooood dog", "nuuuuudibranch",
    ])
    func leavesHarmlessWordsAlone(text: String) {
        #expect(Self.categories(text).isEmpty, "\(text)")
    }

    @Test func oneStandsForIOrLButAnLIsAnL() {
        let matcher = TermMatcher([.init(category: "minors", action: .block, terms: ["loli", "kill", "heil hitler", "suicide"])])
        for text in ["l0l1", "Ioli", "1oli", "LOLI", "ki11", "k!ll", "ki||", "KILLLL", "loooli", "hei1 hit1er", "heil hiiitler",
                     "LOLl", "HElL HlTLER", "heil hitler!", "l o l 1", "lol\u{04CF} (Cyrillic palochka)", "sulcide", "sulclde",
                     "heil hltler"] {
            #expect(matcher.hits(in: text).map(\.category) == ["minors"], "\(text)")
        }
        for text in ["the dog lolls in the sun", "to loll about", "lolll", "lol", "a skilled hand", "a hill", "kil",
                     "LOL!", "Kiln", "a lolly!"] {
            #expect(matcher.hits(in: text).isEmpty, "\(text)")
        }
    }

    @Test func findsChineseTermsInsideSentences() {
        #expect(Self.categories("一个非常血腥的场面") == ["violence zh"])
        #expect(Self.categories("画面里有斩首") == ["violence zh"])
        #expect(Self.categories("血 腥") == ["violence zh"])
        #expect(Self.categories("血，腥") == ["violence zh"])
        #expect(Self.categories("一只猫在海滩上散步").isEmpty)
    }

    @Test func reportsBlocksBeforeFlagsAndEachCategoryOnce() {
        let hits = Self.matcher.hits(in: "a gun, a nude, another nude, a gun")
        #expect(hits.map(\.category) == ["nudity", "weapons"])
        #expect(hits.map(\.action) == [.block, .flag])
    }

    @Test func standardPolicyBlocksItsCategoriesAndNotOrdinaryPrompts() {
        let standard = ContentPolicy.standard.matcher
        #expect(standard.hits(in: "a p0rn0 film").map(\.category) == ["sexual content"])
        #expect(standard.hits(in: "一张裸体照片").map(\.category) == ["sexual content"])
        for prompt in [
            "A woman in a red dress dances in the rain, camera slowly pushes in",
            "a knight fights a dragon above a burning castle", "drone shot over Hong Kong at night",
            "一位老人在公园里打太极拳", "close-up of a chef cutting vegetables",
        ] {
            #expect(standard.hits(in: prompt).isEmpty, "\(prompt)")
        }
    }
}
