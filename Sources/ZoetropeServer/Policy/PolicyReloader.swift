import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// Keeps the policy file in force without a restart: reads it again when its modification date
/// changes (checked every second) and at once on SIGHUP. A file that cannot be used is logged
/// and the policy in force stays.
struct PolicyReloader: Service {
    let book: PolicyBook
    let interval: Duration
    let logger: Logger

    func run() async throws {
        guard book.file != nil else {
            // Nothing to watch; a service that returned would end the whole group.
            try? await gracefulShutdown()
            return
        }
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        let onHangup = Task { for await _ in hangups { reload(force: true) } }
        defer { onHangup.cancel() }
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            reload(force: false)
        }
    }

    private func reload(force: Bool) {
        do {
            if try book.reload(force: force) {
                logger.info("content policy reloaded from \(book.file?.path ?? "?")")
            }
        } catch {
            logger.error("content policy not reloaded, the one in force stays: \(error)")
        }
    }
}
