import ArgumentParser
import Foundation
import Synchronization
import ZoetropeClient

#if canImport(Glibc)
import Glibc
#endif

/// Follows a submitted job to its end for `generate` and `wait`: live progress, Ctrl-C prints
/// how to resume, and the finished video is downloaded to the output path (through a temporary
/// name, so an interrupted download never leaves a partial file).
struct JobFollower {
    let client: Client
    let output: String
    let timeout: Double
    let interval: Double

    func follow(_ job: Job) async -> ExitCode {
        let display = ProgressDisplay()
        let interrupt = Self.onInterrupt {
            display.finish()
            ClientExit.printError(
                "interrupted; request \(job.requestID) goes on. Resume with: "
                    + ClientExit.resumeCommand(job.requestID, output: output))
        }
        defer {
            interrupt.cancel()
            signal(SIGINT, SIG_DFL)
        }
        do {
            let result = try await job.wait(
                timeout: .milliseconds(Int(timeout * 1000)), interval: .milliseconds(Int(interval * 1000)),
                onUpdate: { display.update($0) })
            display.finish()
            guard let url = result.outputURL else {
                // A model whose output is JSON (a created voice): print it.
                print(String(decoding: (result.output ?? .null).encoded(), as: UTF8.self))
                return .success
            }
            let data = try await client.download(url)
            let destination = URL(fileURLWithPath: output)
            let temporary = destination.deletingLastPathComponent()
                .appendingPathComponent(".\(destination.lastPathComponent).\(getpid()).partial")
            do {
                try data.write(to: temporary)
                guard rename(temporary.path, destination.path) == 0 else {
                    throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: destination.path])
                }
            } catch {
                try? FileManager.default.removeItem(at: temporary)
                throw error
            }
            print("saved \(output) (\(data.count / 1024) KiB, request \(job.requestID))")
            return .success
        } catch {
            display.finish()
            return ClientExit.report(error, output: output)
        }
    }

    /// Runs `handler` and exits with 130 on Ctrl-C, until the returned source is cancelled.
    static func onInterrupt(_ handler: @escaping @Sendable () -> Void) -> any DispatchSourceSignal {
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler {
            handler()
            Foundation.exit(ClientExit.interrupted.rawValue)
        }
        source.resume()
        return source
    }
}
