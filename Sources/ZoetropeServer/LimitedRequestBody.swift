import Hummingbird
import ZoetropeCore

/// A request body of unknown length (chunked) counted as it is read: past `maxBytes` it throws
/// the 413, and each chunk is first reserved from the body-memory budget when the route holds
/// the body in memory.
struct LimitedRequestBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer

    let base: RequestBody
    let maxBytes: Int
    let reservation: BodyMemoryBudget.Reservation?

    /// Reads `base`, counting.
    struct AsyncIterator: AsyncIteratorProtocol {
        var base: RequestBody.AsyncIterator
        let maxBytes: Int
        let reservation: BodyMemoryBudget.Reservation?
        var seen = 0

        mutating func next() async throws -> ByteBuffer? {
            guard let chunk = try await base.next() else { return nil }
            seen += chunk.readableBytes
            if seen > maxBytes { throw APIError.contentTooLarge(declared: nil, maxBytes: maxBytes) }
            try reservation?.grow(by: chunk.readableBytes)
            return chunk
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: base.makeAsyncIterator(), maxBytes: maxBytes, reservation: reservation)
    }
}
