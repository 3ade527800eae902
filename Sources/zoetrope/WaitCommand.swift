import ArgumentParser
import Foundation
import ZoetropeClient

/// `zoetrope wait ID -o out.mp4`: follows a request submitted earlier (after a Ctrl-C or a
/// timeout) and saves its video.
struct WaitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wait", abstract: "Wait for a request submitted earlier and save its video.",
        discussion: "Exit codes: 0 done, 1 failed, 2 usage, 3 timed out.")

    @OptionGroup var connection: ClientOptions
    @Argument(help: "The request id.") var requestID: String
    @Option(name: [.short, .customLong("output")], help: "Where to save the MP4.") var output: String
    @Option(help: "Seconds to wait before giving up (the job goes on).") var timeout: Double = 1800
    @Option(help: "Seconds between status polls.") var interval: Double = 1

    func run() async throws {
        let client = try connection.client()
        let code = await JobFollower(client: client, output: output, timeout: timeout, interval: interval)
            .follow(client.job(id: requestID))
        if code != .success { throw code }
    }
}
