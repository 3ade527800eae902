import Foundation
import Synchronization
import ZoetropePolicy

/// The content policy in force: the standard policy, or the operator's file as last read. A
/// reload that fails keeps the policy in force, so a typo in the file never opens the gate.
final class PolicyBook: Sendable {
    /// The policy and its compiled matcher, replaced together.
    struct Current: Sendable {
        let policy: ContentPolicy
        let matcher: TermMatcher
        /// The file's modification date when it was read.
        let modified: Date?
    }

    let file: URL?
    private let state: Mutex<Current>

    /// Reads `file` now (a bad file stops start-up); without one, the standard policy.
    init(file: URL?) throws {
        self.file = file
        let policy = try file.map(ContentPolicy.load(contentsOf:)) ?? .standard
        state = Mutex(Current(policy: policy, matcher: policy.matcher, modified: file.flatMap(Self.modified)))
    }

    var current: Current { state.withLock { $0 } }

    /// Reads the file again when it changed since it was last read (or always, with `force`);
    /// returns whether the policy changed. Throws `PolicyFileError` when the file cannot be
    /// used; the policy in force stays.
    @discardableResult
    func reload(force: Bool = false) throws -> Bool {
        guard let file else { return false }
        let modified = Self.modified(file)
        if !force, modified == current.modified { return false }
        let policy = try ContentPolicy.load(contentsOf: file)
        state.withLock { $0 = Current(policy: policy, matcher: policy.matcher, modified: modified) }
        return true
    }

    private static func modified(_ file: URL) -> Date? {
        (try? FileManager.default.attributesOfItem(atPath: file.path))?[.modificationDate] as? Date
    }
}
