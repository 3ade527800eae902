import ArgumentParser
import Foundation
import ZoetropeMedia
import ZoetropeServer

/// `zoetrope openapi`: writes the OpenAPI document the server serves at `/openapi.json`.
struct OpenAPICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "openapi", abstract: "Write the OpenAPI 3.1 document (as served at /openapi.json).")

    @Option(name: .shortAndLong, help: "File to write; standard output when absent.") var output: String?

    func run() throws {
        let data = OpenAPIDocument.data(catalog: BuiltInEngines.catalog) + Data("\n".utf8)
        if let output {
            try data.write(to: URL(fileURLWithPath: output), options: .atomic)
        } else {
            FileHandle.standardOutput.write(data)
        }
    }
}
