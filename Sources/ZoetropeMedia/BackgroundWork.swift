import Foundation

/// Blocking work started on a thread of its own, so the calling thread can do other work beside
/// it; `wait()` blocks until it is done and gives its result.
final class BackgroundWork<T>: @unchecked Sendable {
    private var result: Result<T, any Error>?
    private let done = DispatchSemaphore(value: 0)

    init(_ body: @escaping @Sendable () throws -> T) {
        let thread = Thread {
            self.result = Result { try body() }
            self.done.signal()
        }
        thread.stackSize = 4 << 20
        thread.start()
    }

    /// The work's result (or its error), once it is done.
    func wait() throws -> T {
        done.wait()
        return try result!.get()
    }
}
