import Synchronization

/// The base URL that status, result and file links are built from. Configured, or learnt from
/// the bound port once the server is running.
public final class PublicURL: Sendable {
    private let value: Mutex<String>

    public init(_ initial: String) { value = Mutex(initial) }

    public var current: String { value.withLock { $0 } }

    public func set(_ newValue: String) {
        let trimmed = newValue.hasSuffix("/") ? String(newValue.dropLast()) : newValue
        value.withLock { $0 = trimmed }
    }
}
