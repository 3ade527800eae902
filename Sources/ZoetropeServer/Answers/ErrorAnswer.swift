/// The body of every error, `{"error": "<sentence>"}` (also the stream's `error` event).
struct ErrorAnswer: Codable, Equatable {
    var error: String
}
