import Foundation
import HTTPTypes
import Hummingbird
import ZoetropeCore

/// A caller's requests: `GET /v2/requests/{id}/status`, `GET /v2/requests/{id}` (the result),
/// `GET /v2/requests/{id}/stream` (Server-Sent Events), `POST /v2/requests/{id}/cancel` and
/// `GET /v1/requests` (the history). A request of another key is 404, as an unknown one.
struct RequestsController {
    let queue: JobQueue
    /// Queue positions for status answers.
    let positions: QueuePositions
    let presenter: JobPresenter
    let finished = FinishedResults()

    var store: any JobStore { queue.store }

    func addRoutes(to group: RouterGroup<ZoetropeRequestContext>) {
        group.get("/v2/requests/{id}/status") { _, context in
            try await statusResponse(for: try await context.requireOwnSnapshot(in: store))
        }
        group.get("/v2/requests/{id}") { _, context in try await result(context: context) }
        group.post("/v2/requests/{id}/cancel") { _, context in try await cancel(context: context) }
        group.get("/v2/requests/{id}/stream") { _, context in try await stream(context: context) }
        group.get("/v1/requests") { request, context in try await history(request, context: context) }
    }

    private func result(context: ZoetropeRequestContext) async throws -> Response {
        // A metered key also sees its balance in the metrics, as Segmind's result shows it.
        let balance = try context.requireAPIKey().credits?.number
        var answer: ResultAnswer
        if let kept = finished.kept(for: context.parameters.get("id") ?? "") {
            // Still there (not expired) and the caller's: its state, as status polls read it.
            _ = try await context.requireOwnSnapshot(in: store)
            if balance == nil {
                return JSONResponse.make(body: kept.body, status: kept.answer.failed ? .unprocessableContent : .ok)
            }
            answer = kept.answer
        } else {
            answer = presenter.result(for: try await context.requireOwnJob(in: store))
            try finished.keep(answer)
        }
        answer.metrics.remainingCredits = balance
        return try JSONResponse.make(encoding: answer, status: answer.failed ? .unprocessableContent : .ok)
    }

    /// Cancels a QUEUED or PROCESSING job (a running render stops within a second, and leaves no
    /// file); 409 for a job that already ended.
    private func cancel(context: ZoetropeRequestContext) async throws -> Response {
        let job = try await context.requireOwnJob(in: store)
        guard let cancelled = try await store.cancel(id: job.id, now: Date()) else {
            let current = try await store.job(id: job.id)?.status ?? job.status
            throw APIError(
                status: 409,
                message: "request \(job.id) is \(current.rawValue); only QUEUED or PROCESSING requests can be cancelled")
        }
        // A queued job's inputs go now; a running one's runner removes them when it stops.
        if job.status == .queued { await queue.removeInputs(of: job) }
        context.logger.info("request \(job.id) cancelled")
        return try await statusResponse(for: cancelled.snapshot)
    }

    private func statusResponse(for job: JobSnapshot) async throws -> Response {
        let answer = try await statusAnswer(for: job)
        return try JSONResponse.make(encoding: answer, status: answer.failed ? .unprocessableContent : .ok)
    }

    /// The status answer of a job (FAILED ones are served under 422).
    private func statusAnswer(for job: JobSnapshot) async throws -> StatusAnswer {
        StatusAnswer(job: job, queuePosition: try await positions.position(of: job))
    }

    /// Server-Sent Events: an `event: status` with the status body on every change (queue
    /// position, progress, state), then `event: result` with the result body, then the stream ends.
    private func stream(context: ZoetropeRequestContext) async throws -> Response {
        let first = try await context.requireOwnSnapshot(in: store)
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        let controller = self
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            func send(_ event: String, _ answer: some Encodable) async throws {
                let data = try JSONResponse.encoded(answer)
                try await writer.write(ByteBuffer(string: "event: \(event)\ndata: \(String(decoding: data, as: UTF8.self))\n\n"))
            }
            var job = first
            var last: StatusAnswer?
            var quiet = 0
            while true {
                let answer = try await controller.statusAnswer(for: job)
                // The timestamps move on every progress write; changes are what the client sees.
                var seen = answer
                seen.updatedAt = ""
                if seen != last {
                    try await send("status", answer)
                    last = seen
                    quiet = 0
                } else {
                    quiet += 1
                    // A comment now and then keeps proxies from closing an idle stream.
                    if quiet % 60 == 0 { try await writer.write(ByteBuffer(string: ": waiting\n\n")) }
                }
                if job.status.isTerminal { break }
                try await Task.sleep(for: .milliseconds(250))
                guard let current = try await controller.store.snapshot(id: job.id) else {
                    try await send("error", ErrorAnswer(error: "request \(job.id) expired"))
                    break
                }
                job = current
            }
            if job.status.isTerminal, let ended = try await controller.store.job(id: job.id) {
                try await send("result", controller.presenter.result(for: ended))
            }
            try await writer.finish(nil)
        })
    }

    /// `GET /v1/requests`: the caller's own requests, newest first, filtered and paged.
    private func history(_ request: Request, context: ZoetropeRequestContext) async throws -> Response {
        let apiKey = try context.requireAPIKey()
        let query = try HistoryQuery(request)
        let (jobs, total) = try await store.jobs(
            apiKeyID: apiKey.id, filter: query.filter, limit: query.perPage, offset: (query.page - 1) * query.perPage)
        return try JSONResponse.make(encoding: HistoryAnswer(
            requests: jobs.map(presenter.historyEntry), page: query.page, perPage: query.perPage, total: total))
    }
}
