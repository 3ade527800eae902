import Foundation
import NIOCore

/// A file's bytes as a sequence of 1 MiB buffers, for streaming an upload.
struct FileChunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let file: URL

    struct AsyncIterator: AsyncIteratorProtocol {
        let file: URL
        var handle: FileHandle?
        var finished = false

        mutating func next() async throws -> ByteBuffer? {
            if finished { return nil }
            if handle == nil { handle = try FileHandle(forReadingFrom: file) }
            guard let chunk = try handle!.read(upToCount: 1 << 20), !chunk.isEmpty else {
                finished = true
                try? handle?.close()
                handle = nil
                return nil
            }
            return ByteBuffer(bytes: chunk)
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(file: file) }
}
