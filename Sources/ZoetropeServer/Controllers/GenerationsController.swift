import Foundation
import HTTPTypes
import Hummingbird
import NIOFoundationCompat
import ZoetropeCore
import ZoetropeStore

/// `POST /v2/{model}` (queue a job, answer its links) and `POST /v1/{model}` (queue it, wait for
/// it, answer its output: the MP4's bytes or the model's JSON). Both take the same submit steps.
struct GenerationsController {
    let submitter: JobSubmitter
    /// Where outputs are kept: the v1 call streams a local video from disk, or reads it from the bucket.
    let blobs: BlobLocation
    /// Makes the links the v1 answer's headers carry (the last frame's).
    let presenter: JobPresenter
    let publicURL: PublicURL
    /// How long the v1 call waits for the job, in seconds.
    let syncTimeout: Double

    static let requestIDHeader = HTTPField.Name("x-request-id")!
    static let generationTimeHeader = HTTPField.Name("x-generation-time")!
    static let costHeader = HTTPField.Name("x-cost")!
    static let seedHeader = HTTPField.Name("x-seed-value")!
    static let lastFrameHeader = HTTPField.Name("x-last-frame-url")!

    func addRoutes(to group: RouterGroup<ZoetropeRequestContext>) {
        group.post("/v1/{model}") { request, context in try await runSync(request, context: context) }
        group.post("/v2/{model}") { request, context in
            let job = try await submitter.submit(request, context: context)
            return try JSONResponse.make(encoding: SubmitAnswer(job: job, base: publicURL.current))
        }
    }

    /// Submits, waits up to `syncTimeout` for the job to end (504 naming the request when it has
    /// not), then answers its output; a job that did not complete is 422 with the reason.
    private func runSync(_ request: Request, context: ZoetropeRequestContext) async throws -> Response {
        let submitted = try await submitter.submit(request, context: context)
        let store = submitter.queue.store
        let deadline = Date().addingTimeInterval(syncTimeout)
        var job = submitted
        while !job.status.isTerminal {
            guard Date() < deadline else {
                throw APIError(
                    status: 504,
                    message: "the video was not ready within \(syncTimeout) s; request \(job.id) is still \(job.status.rawValue.lowercased()), poll GET /v2/requests/\(job.id)/status",
                    headers: ["x-request-id": job.id])
            }
            try await Task.sleep(for: .milliseconds(200))
            let current: Job?
            do {
                current = try await store.job(id: submitted.id)
            } catch is StoreUnavailable {
                continue  // the job goes on; so does the wait, until the database answers or the deadline passes
            }
            guard let current else {
                throw APIError.notFound("request \(submitted.id) expired before it finished")
            }
            job = current
        }
        var headers: HTTPFields = [:]
        headers[Self.requestIDHeader] = job.id
        guard job.status == .completed, job.result != nil || job.outputKey != nil else {
            return try JSONResponse.make(encoding: SyncFailureAnswer(job: job), status: .unprocessableContent, headers: headers)
        }
        headers[Self.generationTimeHeader] = String(format: "%.3f", job.inferenceTime ?? 0)
        headers[Self.costHeader] = job.cost.description
        if let seed = job.request.video?.seed { headers[Self.seedHeader] = String(seed) }
        if let result = job.result {
            return try JSONResponse.make(encoding: result, headers: headers)
        }
        if let link = presenter.lastFrameURL(of: job) { headers[Self.lastFrameHeader] = link }
        headers[.contentType] = "video/mp4"
        return Response(status: .ok, headers: headers, body: try await video(of: job, context: context))
    }

    /// The job's MP4: streamed from the local outputs directory, or read from the bucket.
    private func video(of job: Job, context: ZoetropeRequestContext) async throws -> ResponseBody {
        let expired = APIError.notFound("request \(job.id)'s video has expired or was deleted")
        guard let key = job.outputKey else { throw expired }
        switch blobs {
        case .local(let local):
            guard let file = local.file(for: key), FileManager.default.fileExists(atPath: file.path) else { throw expired }
            return try await FileIO().loadFile(path: file.path, context: context)
        case .s3(let bucket):
            do {
                return ResponseBody(byteBuffer: ByteBuffer(data: try await bucket.data(key: key)))
            } catch is BlobNotFound {
                throw expired
            } catch {
                context.logger.warning("reading \(key) from the bucket failed: \(error)")
                throw APIError(
                    status: .serviceUnavailable,
                    message: "the finished video could not be read from storage now; retry later, or fetch it from GET /v2/requests/\(job.id)",
                    headers: ["Retry-After": "5", "x-request-id": job.id])
            }
        }
    }
}
