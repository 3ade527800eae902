import Foundation
import ZoetropeCore

/// A lease held over the worker protocol: every operation is a call to the gateway.
/// The assignment's request is read back with the public parsers; each gateway-linked field
/// becomes a stored input, fetched through its signed link into the job's input directory.
struct RemoteLease: JobLease {
    let assignment: WorkerProtocol.Assignment
    let job: Job
    let workerID: String
    let client: WorkerClient
    /// Signed links to the stored inputs, by their name in the input directory.
    let downloads: [String: String]

    /// Throws (`InvalidRequest`, naming the field) when the assignment's request cannot be read.
    init(assignment: WorkerProtocol.Assignment, workerID: String, client: WorkerClient) async throws {
        self.assignment = assignment
        self.workerID = workerID
        self.client = client
        let (request, downloads) = try await assignment.jobRequest()
        self.downloads = downloads
        self.job = Job(
            id: assignment.id, apiKeyID: "", model: assignment.model, request: request, status: .processing,
            attempts: assignment.attempt, leaseOwner: workerID)
    }

    func downloadInputs(to directory: URL) async throws {
        for (name, url) in downloads.sorted(by: { $0.key < $1.key }) {
            guard BlobKey.isValid(name) else { throw RenderError("the gateway named an invalid input '\(name)'") }
            try await client.download(url, to: directory.appendingPathComponent(name))
        }
    }

    func heartbeat(progress: Double) async throws -> Bool {
        try await client.heartbeat(jobID: job.id, WorkerProtocol.Heartbeat(workerID: workerID, progress: progress))
    }

    func complete(video file: URL, stages: StageTimes) async throws -> Bool {
        guard let upload = assignment.upload else { throw RenderError("the gateway gave no upload link for the video") }
        try await stages.measure("upload") { try await client.upload(file, to: upload) }
        let completion = WorkerProtocol.Completion(workerID: workerID, outputKey: upload.key)
        var timed = completion
        timed.stages = stages.seconds
        do {
            return try await client.complete(jobID: job.id, timed)
        } catch let refused as WorkerClient.Refused where refused.status == 400 && refused.message.contains("stages") {
            // A gateway that predates stage timings: the video matters, the timings do not.
            return try await client.complete(jobID: job.id, completion)
        }
    }

    func complete(voice: VoiceProfile) async throws -> Bool {
        try await client.complete(jobID: job.id, WorkerProtocol.Completion(workerID: workerID, voice: voice))
    }

    func fail(_ message: String) async {
        try? await client.fail(jobID: job.id, WorkerProtocol.Failure(workerID: workerID, error: message))
    }

    func release() async {
        try? await client.release(jobID: job.id, workerID: workerID)
    }

    func wasCancelled() async -> Bool { false }
}
