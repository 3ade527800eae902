extension ContentPolicy {
    /// The policy Zoetrope ships: the categories every hosted video API blocks, with a few
    /// unmistakable terms each, in English and Chinese. Operators extend or replace it with
    /// `--content-policy`.
    public static let standard = ContentPolicy(categories: [
        Category(name: "sexual content", action: .block, terms: [
            "porn", "porno", "pornography", "pornographic", "nude", "naked", "nudity", "topless", "hentai",
            "xxx", "sex scene", "explicit sex", "sexual intercourse", "blowjob", "masturbation", "genitals",
            "色情", "裸体", "裸照", "性交", "黄片", "ポルノ",
        ]),
        Category(name: "sexual content involving minors", action: .block, terms: [
            "child porn", "child pornography", "loli", "lolicon", "shotacon", "underage sex", "naked child",
            "naked children", "nude child", "nude children", "儿童色情", "幼女色情",
        ]),
        Category(name: "graphic violence", action: .block, terms: [
            "gore", "beheading", "decapitation", "decapitated", "dismemberment", "dismembered", "disembowelled",
            "mutilated corpse", "斩首", "血腥", "肢解",
        ]),
        Category(name: "self-harm", action: .block, terms: [
            "self-harm", "self harm", "suicide", "slit wrists", "自杀", "自残",
        ]),
        Category(name: "hate and extremism", action: .block, terms: [
            "nazi propaganda", "heil hitler", "white power", "isis propaganda", "terrorist propaganda",
        ]),
    ])
}
