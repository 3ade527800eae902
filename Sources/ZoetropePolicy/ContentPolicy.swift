import Foundation

/// An operator's content policy: categories of terms, each blocking or flagging, and the
/// Hamming distance within which an input image counts as one on the image hash list. Read from
/// JSON (`--content-policy FILE`):
/// `{"include_default": true, "image_distance": 10, "categories": [{"name": "…", "action": "block", "terms": ["…"]}]}`.
/// With `include_default` (the default) the file extends `ContentPolicy.standard`; a category
/// of the same name adds its terms to the standard one's and sets its action.
public struct ContentPolicy: Sendable, Equatable {
    /// One category of terms.
    public struct Category: Sendable, Codable, Equatable {
        public var name: String
        public var action: PolicyAction
        public var terms: [String]
        public init(name: String, action: PolicyAction, terms: [String]) {
            self.name = name
            self.action = action
            self.terms = terms
        }
    }

    public var categories: [Category]
    /// Largest Hamming distance (of 64 bits) at which an input image matches a listed one.
    public var imageDistance: Int

    /// The default for `imageDistance`: catches re-encoded, resized, lightly cropped or
    /// recoloured copies, and stays far below the distance between unrelated pictures.
    public static let defaultImageDistance = 10

    public init(categories: [Category], imageDistance: Int = ContentPolicy.defaultImageDistance) {
        self.categories = categories
        self.imageDistance = imageDistance
    }

    /// The matcher for this policy's terms.
    public var matcher: TermMatcher {
        TermMatcher(categories.map { .init(category: $0.name, action: $0.action, terms: $0.terms) })
    }

    /// The policy a file holds, or a `PolicyFileError` that names what is wrong with it.
    public static func load(contentsOf url: URL) throws -> ContentPolicy {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw PolicyFileError(path: url.path, reason: "cannot be read")
        }
        return try parse(data, path: url.path)
    }

    /// The policy in a file's bytes; `path` names it in errors.
    public static func parse(_ data: Data, path: String) throws -> ContentPolicy {
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: data)
        } catch let DecodingError.dataCorrupted(context) {
            throw PolicyFileError(path: path, reason: "is not valid JSON (\(context.debugDescription))")
        } catch let DecodingError.keyNotFound(key, context) {
            throw PolicyFileError(path: path, reason: "misses \(Self.path(context.codingPath + [key]))")
        } catch let DecodingError.typeMismatch(_, context) {
            throw PolicyFileError(path: path, reason: "has the wrong type at \(Self.path(context.codingPath))")
        } catch let DecodingError.valueNotFound(_, context) {
            throw PolicyFileError(path: path, reason: "has null at \(Self.path(context.codingPath))")
        } catch {
            throw PolicyFileError(path: path, reason: "cannot be read as a policy (\(error))")
        }
        var categories = (file.includeDefault ?? true) ? standard.categories : []
        for (index, category) in file.categories.enumerated() {
            let name = category.name.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !name.isEmpty else {
                throw PolicyFileError(path: path, reason: "categories[\(index)].name is empty")
            }
            let terms = category.terms.filter { !TextNormalizer.words($0).isEmpty }
            if let existing = categories.firstIndex(where: { $0.name == name }) {
                categories[existing].action = category.action
                categories[existing].terms += terms
            } else {
                categories.append(Category(name: name, action: category.action, terms: terms))
            }
        }
        let distance = file.imageDistance ?? defaultImageDistance
        guard (0...32).contains(distance) else {
            throw PolicyFileError(path: path, reason: "image_distance must be 0 to 32, got \(distance)")
        }
        return ContentPolicy(categories: categories, imageDistance: distance)
    }

    private struct File: Decodable {
        var includeDefault: Bool?
        var imageDistance: Int?
        var categories: [Category]

        enum CodingKeys: String, CodingKey {
            case includeDefault = "include_default"
            case imageDistance = "image_distance"
            case categories
        }
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().drop { $0 == "." }.description
    }
}
