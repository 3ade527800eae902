import ArgumentParser
import Foundation
import ZoetropeClient

/// The client commands' exit codes (0 done, 1 failed, 2 usage, 3 timeout) and how each SDK
/// error is told to the user.
enum ClientExit {
    static let failed = ExitCode(1)
    static let usage = ExitCode(2)
    static let timeout = ExitCode(3)
    /// Interrupted with Ctrl-C (128 + SIGINT).
    static let interrupted = ExitCode(130)

    /// Prints what went wrong to stderr and returns the exit code for it.
    static func report(_ error: any Error, output: String?) -> ExitCode {
        switch error {
        case let failed as InferenceFailed:
            printError("failed: \(failed.detail) (request \(failed.requestID))")
            return Self.failed
        case let timedOut as InferenceTimeout:
            printError("timed out after \(String(format: "%.1f", timedOut.elapsed.inSeconds)) s; the job goes on. Resume with: "
                       + resumeCommand(timedOut.requestID, output: output))
            return timeout
        case let refused as RequestRefused:
            printError("error: \(refused.message) (HTTP \(refused.status))")
            return refused.status == 400 ? usage : Self.failed
        case let exit as ExitCode:
            return exit
        default:
            printError("error: \(error)")
            return Self.failed
        }
    }

    static func resumeCommand(_ requestID: String, output: String?) -> String {
        "zoetrope wait \(requestID)" + (output.map { " -o \($0)" } ?? "")
    }

    static func printError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
