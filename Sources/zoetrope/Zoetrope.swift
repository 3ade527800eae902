import ArgumentParser

/// The `zoetrope` command: serve the API and manage API keys.
@main
struct Zoetrope: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zoetrope",
        abstract: "A self-hosted, Segmind-compatible image-to-video API.",
        subcommands: [ServeCommand.self, KeysCommand.self, BenchCommand.self])
}
