import ArgumentParser
import Foundation
import ZoetropeClient

/// `zoetrope status ID`: one look at a request's state.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Print a request's status (--json for the whole body).",
        discussion: "Exit codes: 0 completed or still running, 1 failed or unknown, 2 usage.")

    @OptionGroup var connection: ClientOptions
    @Argument(help: "The request id.") var requestID: String
    @Flag(help: "Print the status body as JSON.") var json = false

    func run() async throws {
        let client = try connection.client()
        let state: JobState
        do {
            state = try await client.job(id: requestID).status()
        } catch {
            throw ClientExit.report(error, output: nil)
        }
        if json {
            print(String(decoding: state.body.encoded(), as: UTF8.self))
        } else {
            var line = "\(requestID): \(state.status) \(Int((state.progress * 100).rounded(.down)))%"
            if state.status == "QUEUED", let position = state.queuePosition { line += " (queue position \(position))" }
            if let error = state.error { line += ": \(error)" }
            print(line)
        }
        if state.status == "FAILED" || state.status == "CANCELLED" { throw ClientExit.failed }
    }
}
