import ArgumentParser
import Foundation

/// The `zoetrope` command: serve the API, manage API keys, make videos from the terminal.
@main
struct Zoetrope: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zoetrope",
        abstract: "A self-hosted, Segmind-compatible image-to-video API.",
        subcommands: [
            ServeCommand.self, WorkerCommand.self, KeysCommand.self, GenerateCommand.self, WaitCommand.self, StatusCommand.self,
            BenchCommand.self, OpenAPICommand.self, PolicyCommand.self,
        ])

    /// As ArgumentParser's, except that usage errors exit with 2 (the client commands promise
    /// 0 done, 1 failed, 2 usage, 3 timeout).
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(ClientExit.usage.rawValue)
            }
            exit(withError: error)
        }
    }
}
