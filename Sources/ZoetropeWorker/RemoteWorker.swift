import Foundation
import Logging
import ServiceLifecycle
import ZoetropeCore

/// `zoetrope worker`: render slots that take jobs from a gateway over the worker protocol and
/// run them on this machine's engines. On graceful shutdown a job in progress is handed back.
public struct RemoteWorker: Service {
    public let client: WorkerClient
    public let executor: JobExecutor
    /// The models this worker asks for.
    public let models: [String]
    public let concurrency: Int
    /// How long each lease request is held open when no job is waiting, in seconds.
    public let waitSeconds: Double
    public let logger: Logger
    let workerPrefix = "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))"

    public init(
        client: WorkerClient, executor: JobExecutor, models: [String], concurrency: Int, waitSeconds: Double = 20,
        logger: Logger
    ) {
        self.client = client
        self.executor = executor
        self.models = models
        self.concurrency = concurrency
        self.waitSeconds = waitSeconds
        self.logger = logger
    }

    public func run() async throws {
        logger.info("worker serving \(models.joined(separator: ", ")) from \(client.gateway) with \(concurrency) slot(s)")
        await withDiscardingTaskGroup { group in
            for slot in 0..<max(1, concurrency) {
                group.addTask { await self.slotLoop(slot) }
            }
        }
    }

    private func slotLoop(_ slot: Int) async {
        let workerID = "\(workerPrefix)-slot\(slot)"
        var backoff = 0.5
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let request = WorkerProtocol.LeaseRequest(workerID: workerID, models: models, waitSeconds: waitSeconds)
                let assignment = try await cancelWhenGracefulShutdown { try await self.client.lease(request) }
                backoff = 0.5
                guard let assignment else { continue }
                let lease: RemoteLease
                do {
                    lease = try await RemoteLease(assignment: assignment, workerID: workerID, client: client)
                } catch {
                    let reason = (error as? InvalidRequest)?.message ?? "\(error)"
                    logger.error("request \(assignment.id): the assignment's request cannot be read: \(reason)")
                    try? await client.fail(
                        jobID: assignment.id,
                        WorkerProtocol.Failure(workerID: workerID, error: "the worker could not read the request: \(reason)"))
                    continue
                }
                _ = await cancelWhenGracefulShutdown { await self.executor.execute(lease) }
            } catch is CancellationError {
                return
            } catch {
                if Task.isCancelled || Task.isShuttingDownGracefully { return }
                if let refused = error as? WorkerClient.Refused, refused.status == 401 || refused.status == 403 {
                    logger.critical("the gateway refused this worker's token: \(refused.message)")
                }
                let wait = backoff
                logger.warning("gateway unreachable or refused the lease (\(error)); retrying in \(wait) s")
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(wait)) }
                backoff = min(backoff * 2, 10)
            }
        }
    }
}
