import Foundation
import ZoetropeCore

/// Turns a job's inputs into local files for the decoders: stored inputs as they are, inline
/// bytes written beside the job, remote ones fetched (with the fetcher's caps and SSRF guard).
public struct InputFiles: Sendable {
    public let fetcher: InputFetcher

    public init(fetcher: InputFetcher) {
        self.fetcher = fetcher
    }

    /// A local file holding the input's bytes; errors name `field`.
    public func file(for input: MediaInput, field: String, context: RenderContext) async throws -> URL {
        let safeName = String(field.map { $0.isLetter || $0.isNumber ? $0 : "_" })
        switch input {
        case .stored(let name):
            return context.inputDirectory.appendingPathComponent(name)
        case .inline(let data):
            return try save(data, name: "inline-\(safeName)", context: context)
        case .remote(let url):
            let data = try await fetcher.fetch(url, field: field)
            return try save(data, name: "fetched-\(safeName)", context: context)
        }
    }

    private func save(_ data: Data, name: String, context: RenderContext) throws -> URL {
        try FileManager.default.createDirectory(at: context.inputDirectory, withIntermediateDirectories: true)
        let file = context.inputDirectory.appendingPathComponent(name)
        try data.write(to: file)
        return file
    }
}
