import Foundation
import Testing
import ZoetropeOutbound
import ZoetropeServer
import ZoetropeSettings

/// The settings tables: flags win over variables, which win over defaults; mistakes are refused
/// naming the flag and the variable; and the README's configuration tables are these tables.
struct SettingsTests {
    static let serve = ServeSettings.all.map(\.declaration) + LoggingSettings.all.map(\.declaration)

    static func configuration(_ arguments: [String], environment: [String: String] = [:]) throws -> ServerConfiguration {
        var config = ServerConfiguration()
        try SettingsReader(arguments: arguments, settings: serve, environment: environment).apply(ServeSettings.all, to: &config)
        return config
    }

    @Test func flagsWinOverVariablesWhichWinOverDefaults() throws {
        #expect(try Self.configuration([]).port == 8080)
        #expect(try Self.configuration([], environment: ["ZOETROPE_PORT": "9000"]).port == 9000)
        #expect(try Self.configuration(["--port", "9001"], environment: ["ZOETROPE_PORT": "9000"]).port == 9001)
        #expect(try Self.configuration(["--port=0"]).port == 0)
        let config = try Self.configuration(
            ["--retention", "2h", "--max-body-size", "10MB", "--no-local-runner", "--allow-outbound-port", "8443",
             "--allow-outbound-port", "9000,9001", "--price", "kling-3-pro-image2video=0.2"],
            environment: ["ZOETROPE_FETCH_TIMEOUT": "5s", "ZOETROPE_ALLOW_PRIVATE_INPUTS": "1", "ZOETROPE_DATA_DIR": "elsewhere"])
        #expect(config.retention == 7200 && config.maxBodyBytes == 10 << 20 && !config.runsLocalEngine)
        #expect(config.outboundPolicy.extraPorts == [8443, 9000, 9001] && config.outboundPolicy.fetchTimeout == .seconds(5))
        #expect(config.allowPrivateInputs && config.dataDirectory.relativePath == "elsewhere")
        #expect(config.prices == ["kling-3-pro-image2video=0.2"])
        #expect(try Self.configuration([], environment: ["ZOETROPE_PRICES": "a=1, b=2"]).prices == ["a=1", "b=2"])
    }

    @Test(arguments: [
        (["--prot", "80"], "unknown option '--prot'; see --help"),
        (["8080"], "unexpected argument '8080'; see --help"),
        (["--port"], "--port needs one value"),
        (["--port", "1", "--port", "2"], "--port is given more than once"),
        (["--no-local-runner", "yes"], "--no-local-runner takes no value"),
        (["--port", "http"], "--port (ZOETROPE_PORT) must be a whole number from 0 to 65535 (got 'http')"),
        (["--retention", "soon"], "--retention (ZOETROPE_RETENTION) must be a duration such as 30s, 10m or 1h (got 'soon')"),
        (["--allow-outbound-port", "70000"], "--allow-outbound-port (ZOETROPE_ALLOW_OUTBOUND_PORTS) must be a whole number from 1 to 65535 (got '70000')"),
    ])
    func mistakesAreRefusedByName(arguments: [String], message: String) {
        #expect(throws: SettingsError(message)) { try Self.configuration(arguments) }
    }

    @Test func variablesAreCheckedToo() {
        #expect(throws: SettingsError("--concurrency (ZOETROPE_CONCURRENCY) must be a whole number from 1 to 1024 (got '0')")) {
            try Self.configuration([], environment: ["ZOETROPE_CONCURRENCY": "0"])
        }
    }

    @Test func everyFlagAndVariableIsUnique() {
        for table in [Self.serve, WorkerSettings.all.map(\.declaration) + LoggingSettings.all.map(\.declaration)] {
            #expect(Set(table.map(\.flag)).count == table.count)
            #expect(Set(table.map(\.environmentVariable)).count == table.count)
        }
    }

    @Test func workerSettingsReadTheirOwnTable() throws {
        var worker = WorkerSettings()
        try SettingsReader(
            arguments: ["--gateway", "https://api.example.com", "--model", "a,b", "--fetch-min-rate", "0"],
            settings: WorkerSettings.all.map(\.declaration), environment: ["ZOETROPE_WORKER_TOKEN": "secret"]
        ).apply(WorkerSettings.all, to: &worker)
        #expect(worker.gateway == "https://api.example.com" && worker.token == "secret" && worker.models == ["a", "b"])
        #expect(worker.outbound.minimumRate == 0)
    }

    /// The README's tables between `<!-- settings: NAME -->` and `<!-- end settings -->`.
    @Test(arguments: ["serve", "worker"])
    func readmeTablesAreTheseTables(name: String) throws {
        let readme = try String(
            contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("README.md"), encoding: .utf8)
        let expected = name == "serve"
            ? SettingsTable.markdown(ServeSettings.all, defaults: ServerConfiguration()) + "\n"
                + SettingsTable.markdown(LoggingSettings.all, defaults: LoggingSettings()).split(separator: "\n").dropFirst(2).joined(separator: "\n")
            : SettingsTable.markdown(WorkerSettings.all, defaults: WorkerSettings())
        let start = "<!-- settings: \(name) -->\n", end = "\n<!-- end settings -->"
        let found = readme.range(of: start).flatMap { open in
            readme.range(of: end, range: open.upperBound..<readme.endIndex).map { String(readme[open.upperBound..<$0.lowerBound]) }
        }
        #expect(found == expected, "README.md's \(name) table should read:\n\(expected)")
    }
}
