import Foundation

/// Runs external programs (ffmpeg, ffprobe, espeak-ng) as subprocesses, off Swift's cooperative
/// thread pool so a long encode never starves the HTTP server.
public enum ProcessRunner {
    /// The captured result of a finished process.
    public struct Output: Sendable {
        public var status: Int32
        public var stdout: Data
        public var stderr: Data
        /// The last non-empty line of stderr, fit to show a client (`ToolMessage.clientSafe`).
        public var lastErrorLine: String {
            ToolMessage.clientSafe(rawLastErrorLine)
        }

        /// The last stderr line with `file`'s path called "the file" (ffmpeg starts its messages
        /// with the input's path), fit to show a client.
        public func lastErrorLine(hiding file: URL) -> String {
            ToolMessage.clientSafe(rawLastErrorLine, hiding: file)
        }

        private var rawLastErrorLine: String {
            String(decoding: stderr, as: UTF8.self).split(whereSeparator: \.isNewline).last.map(String.init) ?? ""
        }
    }

    /// Starts `program` (looked up on PATH) with `arguments`.
    public static func makeProcess(_ program: String, _ arguments: [String]) -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [program] + arguments
        return process
    }

    /// Runs to completion on the calling thread, capturing stdout and stderr.
    public static func runBlocking(_ program: String, _ arguments: [String]) throws -> Output {
        let process = makeProcess(program, arguments)
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let errorData = DrainedPipe(stderr)
        let outData = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: outData, stderr: errorData.wait())
    }

    /// Runs to completion on a dedicated thread.
    public static func run(_ program: String, _ arguments: [String]) async throws -> Output {
        try await onDedicatedThread { try runBlocking(program, arguments) }
    }

    /// Runs blocking work on a new thread and awaits its result.
    public static func onDedicatedThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Result { try body() })
            }
            thread.stackSize = 4 << 20
            thread.start()
        }
    }
}

/// Reads a pipe to its end on a background thread, so a chatty stderr can never block the child.
final class DrainedPipe: Sendable {
    private let reading: BackgroundWork<Data>

    init(_ pipe: Pipe) {
        let handle = pipe.fileHandleForReading
        reading = BackgroundWork { handle.readDataToEndOfFile() }
    }

    /// Blocks until the pipe is closed; returns everything read.
    func wait() -> Data {
        (try? reading.wait()) ?? Data()
    }
}
