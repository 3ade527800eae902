import Foundation
import ZoetropeCore

/// A job whose lease this process holds, and what can be done with it: the same operations
/// whether the lease came straight from the store (a gateway's render slot) or over the worker
/// protocol (a remote worker).
public protocol JobLease: Sendable {
    var job: Job { get }
    /// Copies the job's stored inputs into `directory` under their names.
    func downloadInputs(to directory: URL) async throws
    /// Records progress (0...1) and keeps the lease alive; false when the lease is no longer
    /// ours (the job was cancelled, or another worker took it), which stops the render.
    func heartbeat(progress: Double) async throws -> Bool
    /// Stores the finished video and completes the job with where its time went (`stages`, to
    /// which the upload's own time is added); false when the lease was lost (nothing is kept).
    func complete(video file: URL, stages: StageTimes) async throws -> Bool
    /// Completes a voice job with the profile made; false when the lease was lost.
    func complete(voice: VoiceProfile) async throws -> Bool
    /// Ends the job FAILED with a reason fit for the client.
    func fail(_ message: String) async
    /// Hands the job back to the queue without counting the attempt (this process is stopping).
    func release() async
    /// Whether the job ended CANCELLED (asked after a lost lease, for the log).
    func wasCancelled() async -> Bool
    /// Records on the job where it runs upstream; false when the lease was lost.
    func recordUpstream(_ upstream: UpstreamRequest) async throws -> Bool
}

extension JobLease {
    /// Leases held over the worker protocol never run a job on an upstream (the gateway's own
    /// upstream slots do).
    public func recordUpstream(_ upstream: UpstreamRequest) async throws -> Bool {
        throw RenderError("a remote worker cannot run a job on an upstream")
    }
}

/// The lease is no longer this process's.
public struct LeaseLost: Error {}
