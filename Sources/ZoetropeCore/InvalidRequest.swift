/// A request, or one of its parameters, that cannot be accepted: the parameter at fault and the
/// reason, in one sentence that names it. The gateway answers it with 400; a worker fails the job
/// with it.
public struct InvalidRequest: Error, Sendable, Equatable, CustomStringConvertible {
    /// The parameter at fault as the client names it (`prompt`, `multi_prompt[0].duration`); nil
    /// when the body as a whole is at fault.
    public var field: String?
    /// The sentence the client sees ("prompt is required").
    public var message: String

    /// `field` followed by the reason: `InvalidRequest("prompt", "is required")`.
    public init(_ field: String, _ reason: String) {
        self.field = field
        self.message = "\(field) \(reason)"
    }

    /// A sentence of its own, about `field` or (nil) the body as a whole.
    public init(field: String? = nil, message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { message }
}
