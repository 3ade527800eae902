import Synchronization

/// `operation`'s result, or `DeadlinePassed` once `limit` has passed without one. The caller gets
/// its answer at the deadline even when `operation` ignores cancellation (a socket that never
/// answers): the operation is cancelled and left to end on its own.
public func withDeadline<T: Sendable>(
    _ limit: Duration, _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    let race = DeadlineRace<T>()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { continuation in
            race.start(continuation, limit: limit, operation: operation)
        }
    } onCancel: {
        race.finish(.failure(CancellationError()))
    }
}

/// The deadline of a `withDeadline` call passed before its operation ended.
public struct DeadlinePassed: Error, Sendable, CustomStringConvertible {
    public var limit: Duration
    public var description: String { "no answer within \(limit.inSeconds.formatted()) s" }
}

/// The continuation of one `withDeadline` call and the two tasks racing to resume it.
private final class DeadlineRace<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        var work: Task<Void, Never>?
        var timer: Task<Void, Never>?
        var finished = false
    }
    private let state = Mutex(State())

    func start(
        _ continuation: CheckedContinuation<T, any Error>, limit: Duration,
        operation: @escaping @Sendable () async throws -> T
    ) {
        let alreadyCancelled = state.withLock { state -> Bool in
            if state.finished { return true }
            state.continuation = continuation
            return false
        }
        if alreadyCancelled {
            continuation.resume(throwing: CancellationError())
            return
        }
        let work = Task {
            let result: Result<T, any Error>
            do { result = .success(try await operation()) } catch { result = .failure(error) }
            self.finish(result)
        }
        let timer = Task {
            guard (try? await Task.sleep(for: limit)) != nil else { return }
            self.finish(.failure(DeadlinePassed(limit: limit)))
        }
        let finishedMeanwhile = state.withLock { state -> Bool in
            state.work = work
            state.timer = timer
            return state.finished
        }
        if finishedMeanwhile {
            work.cancel()
            timer.cancel()
        }
    }

    /// Resumes the caller with the first result to arrive and cancels both tasks.
    func finish(_ result: Result<T, any Error>) {
        let (continuation, work, timer) = state.withLock { state in
            state.finished = true
            defer { state.continuation = nil }
            return (state.continuation, state.work, state.timer)
        }
        guard let continuation else { return }
        work?.cancel()
        timer?.cancel()
        continuation.resume(with: result)
    }
}
