/// Reads a prompt (English or Chinese) into camera moves and a speed; removes the moves a
/// negative prompt names ("shaky", "zoom", "rotation", ...).
public enum CameraGrammar {
    /// What the grammar read from a prompt.
    public struct Reading: Sendable, Equatable {
        public var moves: [CameraMove]
        public var speed: CameraSpeed
        /// True when the prompt named no move and the default was chosen.
        public var isDefault: Bool
    }

    /// A family of moves: the words that name it, and the direction words that pick a member.
    private struct Family {
        var words: [String]
        var first: CameraMove
        var second: CameraMove?
        var firstDirections: [String] = []
        var secondDirections: [String] = []
    }

    private static let left = ["left", "左"]
    private static let right = ["right", "右"]
    private static let up = ["up", "upward", "skyward", "上", "升"]
    private static let down = ["down", "downward", "下", "降"]

    private static let families: [Family] = [
        Family(words: ["push in", "push-in", "pushes in", "pushing in", "zoom in", "zooms in", "zooming in", "dolly in",
                       "dollies in", "dolly forward", "dolly-in", "move closer", "moves closer", "closer to",
                       "推进", "推近", "推镜", "镜头推", "拉近", "放大"],
               first: .pushIn),
        Family(words: ["pull out", "pulls out", "pulling out", "pull back", "pulls back", "pulling back", "zoom out",
                       "zooms out", "zooming out", "dolly out", "dolly back", "dolly-out", "dollies out", "reveal",
                       "拉远", "拉镜", "镜头拉", "后拉", "缩小"],
               first: .pullOut),
        Family(words: ["orbit", "orbits", "orbiting", "arc shot", "arcs around", "circles around", "circling",
                       "环绕", "环拍", "绕拍"],
               first: .orbitLeft, second: .orbitRight,
               firstDirections: left + ["counterclockwise", "counter-clockwise", "逆时针"],
               secondDirections: right + ["clockwise", "顺时针"]),
        Family(words: ["roll", "rolls", "rolling", "dutch", "旋转"],
               first: .rollLeft, second: .rollRight,
               firstDirections: left + ["counterclockwise", "counter-clockwise", "逆时针"],
               secondDirections: right + ["clockwise", "顺时针"]),
        Family(words: ["crane", "cranes", "craning", "pedestal", "boom", "jib", "升镜", "降镜", "升降"],
               first: .pedestalUp, second: .pedestalDown, firstDirections: up, secondDirections: down),
        Family(words: ["camera rises", "camera lowers", "camera descends", "rises up", "上升", "下降", "升起"],
               first: .pedestalUp, second: .pedestalDown, firstDirections: ["rise", "up", "上", "升"],
               secondDirections: ["lower", "descend", "down", "下", "降"]),
        Family(words: ["tilt", "tilts", "tilting", "上摇", "下摇", "俯拍", "仰拍"],
               first: .tiltUp, second: .tiltDown, firstDirections: up + ["仰"], secondDirections: down + ["俯"]),
        Family(words: ["truck", "trucks", "trucking", "tracking shot", "tracks", "dolly left", "dolly right",
                       "slides", "横移", "左移", "右移", "平移", "跟拍"],
               first: .truckRight, second: .truckLeft, firstDirections: right, secondDirections: left),
        Family(words: ["pan", "pans", "panning", "sweeps", "摇镜", "左摇", "右摇", "摇摄"],
               first: .panRight, second: .panLeft, firstDirections: right, secondDirections: left),
        Family(words: ["handheld", "hand-held", "shaky", "shaking camera", "camera shake", "documentary style",
                       "手持", "晃动", "抖动"],
               first: .handheld),
        Family(words: ["static shot", "static camera", "locked-off", "locked off", "locked camera", "still camera",
                       "tripod", "camera stays still", "no camera movement", "固定镜头", "固定机位", "静止镜头", "定镜"],
               first: .locked),
    ]

    private static let slowWords = ["slow", "slowly", "gentle", "gently", "subtle", "subtly", "gradual", "leisurely",
                                    "calm", "缓慢", "慢慢", "缓缓", "轻轻", "慢"]
    private static let fastWords = ["fast", "quick", "quickly", "rapid", "rapidly", "swift", "swiftly", "whip",
                                    "dramatic", "energetic", "快速", "迅速", "急速", "快"]

    /// Moves a negative prompt can forbid, by the words that forbid them.
    private static let negativeWords: [(words: [String], moves: [CameraMove])] = [
        (["shaky", "shake", "shaking", "handheld", "hand-held", "jitter", "wobble", "抖动", "晃动", "手持"], [.handheld]),
        (["zoom", "zooming", "push in", "pull out", "dolly", "缩放", "推拉"], [.pushIn, .pullOut]),
        (["rotation", "rotate", "rotating", "roll", "tilted horizon", "dutch", "旋转"], [.rollLeft, .rollRight, .orbitLeft, .orbitRight]),
        (["pan", "panning", "摇镜"], [.panLeft, .panRight]),
        (["tilt", "tilting"], [.tiltUp, .tiltDown]),
        (["orbit", "环绕"], [.orbitLeft, .orbitRight]),
        (["crane", "pedestal", "升降"], [.pedestalUp, .pedestalDown]),
        (["truck", "tracking", "横移"], [.truckLeft, .truckRight]),
        (["camera movement", "camera motion", "moving camera", "镜头运动"], CameraMove.allCases.filter { $0 != .locked }),
    ]

    public static let defaultMoves: [CameraMove] = [.pushIn, .truckRight]

    public static func read(prompt: String, negativePrompt: String = "") -> Reading {
        let text = prompt.lowercased()
        var found: [(position: Int, move: CameraMove)] = []
        for family in families {
            for word in family.words {
                for position in positions(of: word, in: text) {
                    found.append((position, direction(for: family, word: word, at: position, in: text)))
                }
            }
        }
        // Keep the first mention of each move; opposite moves cancel in favour of the first named.
        var moves: [CameraMove] = []
        for (_, move) in found.sorted(by: { $0.position < $1.position }) {
            guard !moves.contains(move) else { continue }
            if let opposite = opposite(of: move), moves.contains(opposite) { continue }
            moves.append(move)
        }

        let forbidden = Set(negativeWords.filter { entry in
            entry.words.contains { !positions(of: $0, in: negativePrompt.lowercased()).isEmpty }
        }.flatMap(\.moves))
        moves.removeAll { forbidden.contains($0) }
        if moves.count > 1 { moves.removeAll { $0 == .locked } }

        let speed: CameraSpeed
        let slowAt = slowWords.compactMap { positions(of: $0, in: text).first }.min()
        let fastAt = fastWords.compactMap { positions(of: $0, in: text).first }.min()
        switch (slowAt, fastAt) {
        case (let s?, let f?): speed = s < f ? .slow : .fast
        case (_?, nil): speed = .slow
        case (nil, _?): speed = .fast
        case (nil, nil): speed = .normal
        }

        if moves.isEmpty {
            let fallback = defaultMoves.filter { !forbidden.contains($0) }
            return Reading(moves: fallback.isEmpty ? [.locked] : fallback, speed: speed == .normal ? .slow : speed, isDefault: true)
        }
        return Reading(moves: moves, speed: speed, isDefault: false)
    }

    private static func opposite(of move: CameraMove) -> CameraMove? {
        switch move {
        case .pushIn: .pullOut
        case .pullOut: .pushIn
        case .panLeft: .panRight
        case .panRight: .panLeft
        case .tiltUp: .tiltDown
        case .tiltDown: .tiltUp
        case .truckLeft: .truckRight
        case .truckRight: .truckLeft
        case .pedestalUp: .pedestalDown
        case .pedestalDown: .pedestalUp
        case .orbitLeft: .orbitRight
        case .orbitRight: .orbitLeft
        case .rollLeft: .rollRight
        case .rollRight: .rollLeft
        case .handheld, .locked: nil
        }
    }

    /// Picks the family member by the direction word nearest the move word (in it, just before it,
    /// or within the few words after it).
    private static func direction(for family: Family, word: String, at position: Int, in text: String) -> CameraMove {
        guard let second = family.second else { return family.first }
        let characters = Array(text)
        let start = max(0, position - 4)
        let end = min(characters.count, position + word.count + 32)
        let window = String(characters[start..<end])
        let firstAt = family.firstDirections.compactMap { positions(of: $0, in: window).first }.min()
        let secondAt = family.secondDirections.compactMap { positions(of: $0, in: window).first }.min()
        switch (firstAt, secondAt) {
        case (let a?, let b?): return a <= b ? family.first : second
        case (nil, _?): return second
        default: return family.first
        }
    }

    /// Character offsets where `word` occurs in `text` as a whole word (Latin letters) or anywhere
    /// (CJK).
    static func positions(of word: String, in text: String) -> [Int] {
        let characters = Array(text)
        let needle = Array(word)
        guard !needle.isEmpty, characters.count >= needle.count else { return [] }
        let isLatin = needle.allSatisfy { $0.isASCII }
        var result: [Int] = []
        var index = 0
        while index + needle.count <= characters.count {
            if characters[index] == needle[0] && Array(characters[index..<(index + needle.count)]) == needle {
                let before = index == 0 ? " " : characters[index - 1]
                let after = index + needle.count == characters.count ? " " : characters[index + needle.count]
                if !isLatin || (!before.isLetter && !after.isLetter) {
                    result.append(index)
                }
            }
            index += 1
        }
        return result
    }
}
