import Foundation

/// Something that carries out a validated job: renders a video into the context's output file,
/// or makes a voice.
public protocol Engine: Sendable {
    /// A short name shown in the model listing ("motion").
    var name: String { get }
    func run(_ request: JobRequest, context: RenderContext) async throws -> EngineOutput
    /// Checks at submit what only this engine knows (does each spoken line fit its shot?),
    /// throwing an `InvalidRequest` that names the field and says what is allowed.
    func validate(_ request: JobRequest) async throws
    /// How the engine reads the request (camera moves per shot, ...), reported to the user in the
    /// result's `plan`; nil when the engine has nothing to report.
    func plan(for request: JobRequest) -> JSONValue?
}

extension Engine {
    public func validate(_ request: JobRequest) async throws {}
    public func plan(for request: JobRequest) -> JSONValue? { nil }
}

/// What an engine made.
public enum EngineOutput: Sendable, Equatable {
    /// A video, written to the context's output file.
    case video
    /// A voice profile, for the gateway to store and report.
    case voice(VoiceProfile)
}

/// What an engine is given besides the request: where inputs and the output live, a way to
/// report progress, and (for the upstream engine) what an earlier attempt recorded on the job and
/// a way to record more.
public struct RenderContext: Sendable {
    public var jobID: String
    /// Directory holding the job's stored inputs (`MediaInput.stored` names are relative to it).
    public var inputDirectory: URL
    /// Where the engine writes the finished MP4 (a temporary name; the runner commits it).
    public var outputFile: URL
    /// Called with the fraction done, 0...1, from any thread.
    public var progress: @Sendable (Double) -> Void
    /// When the job was submitted (its stored inputs are kept until its retention ends from then).
    public var submittedAt: Date
    /// Where an earlier attempt of the job ran upstream, if one did.
    public var upstream: UpstreamRequest?
    /// Records on the job, under its lease, where it runs upstream; throws when the lease is no
    /// longer this process's (nothing is recorded then).
    public var recordUpstream: @Sendable (UpstreamRequest) async throws -> Void
    /// Where the job's time goes, stage by stage (the engine and the runner add to it).
    public var stages: StageTimes

    public init(
        jobID: String, inputDirectory: URL, outputFile: URL, progress: @escaping @Sendable (Double) -> Void,
        submittedAt: Date = Date(), upstream: UpstreamRequest? = nil,
        recordUpstream: @escaping @Sendable (UpstreamRequest) async throws -> Void = { _ in
            throw RenderError("this renderer cannot run a job on an upstream")
        },
        stages: StageTimes = StageTimes()
    ) {
        self.jobID = jobID
        self.inputDirectory = inputDirectory
        self.outputFile = outputFile
        self.progress = progress
        self.submittedAt = submittedAt
        self.upstream = upstream
        self.recordUpstream = recordUpstream
        self.stages = stages
    }
}

/// A failure whose message is fit to show the client as the job's `error`.
public struct RenderError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
