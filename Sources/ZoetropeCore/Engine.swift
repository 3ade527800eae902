import Foundation

/// Something that turns a validated request into a video file.
public protocol Engine: Sendable {
    /// A short name shown in the model listing ("motion").
    var name: String { get }
    func render(_ request: GenerationRequest, context: RenderContext) async throws
    /// How the engine reads the request (camera moves per shot, ...), reported to the user in the
    /// result's `plan`; nil when the engine has nothing to report.
    func plan(for request: GenerationRequest) -> JSONValue?
}

extension Engine {
    public func plan(for request: GenerationRequest) -> JSONValue? { nil }
}

/// What an engine is given besides the request: where inputs and the output live, and a way to
/// report progress.
public struct RenderContext: Sendable {
    public var jobID: String
    /// Directory holding the job's stored inputs (`ImageInput.stored` names are relative to it).
    public var inputDirectory: URL
    /// Where the engine writes the finished MP4 (a temporary name; the runner commits it).
    public var outputFile: URL
    /// Called with the fraction done, 0...1, from any thread.
    public var progress: @Sendable (Double) -> Void

    public init(jobID: String, inputDirectory: URL, outputFile: URL, progress: @escaping @Sendable (Double) -> Void) {
        self.jobID = jobID
        self.inputDirectory = inputDirectory
        self.outputFile = outputFile
        self.progress = progress
    }
}

/// A failure whose message is fit to show the client as the job's `error`.
public struct RenderError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
