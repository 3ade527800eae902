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

    /// A started program and the parent's ends of its pipes.
    public struct Launched {
        public let process: Process
        /// Its standard input, when asked for (else it reads /dev/null).
        public let stdin: FileHandle?
        /// Its standard output, when asked for (else /dev/null).
        public let stdout: FileHandle?
        public let stderr: FileHandle
    }

    /// Starts `program` (looked up on PATH) with `arguments`, a pipe for stderr and, when asked,
    /// for stdin and stdout.
    ///
    /// Launches happen one at a time, each with the pipes made for it, close-on-exec: Foundation's
    /// `Process` on Linux closes in the child only the descriptors that were open when it looked,
    /// so a pipe made on another thread during a launch could be inherited by that child, and its
    /// reader would wait for the wrong program's end (a render decoding a picture while its
    /// encoder starts does both at once).
    public static func launch(_ program: String, _ arguments: [String], stdin: Bool = false, stdout: Bool = true) throws -> Launched {
        launching.lock()
        defer { launching.unlock() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [program] + arguments
        let input = stdin ? Pipe() : nil, output = stdout ? Pipe() : nil, errors = Pipe()
        for pipe in [input, output, errors].compactMap({ $0 }) {
            for handle in [pipe.fileHandleForReading, pipe.fileHandleForWriting] {
                _ = fcntl(handle.fileDescriptor, F_SETFD, FD_CLOEXEC)
            }
        }
        process.standardInput = input ?? FileHandle.nullDevice
        process.standardOutput = output ?? FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        return Launched(
            process: process, stdin: input?.fileHandleForWriting, stdout: output?.fileHandleForReading,
            stderr: errors.fileHandleForReading)
    }

    private static let launching = NSLock()

    /// Runs to completion on the calling thread, capturing stdout and stderr.
    public static func runBlocking(_ program: String, _ arguments: [String]) throws -> Output {
        let launched = try launch(program, arguments)
        let errorData = DrainedPipe(launched.stderr)
        let outData = launched.stdout!.readDataToEndOfFile()
        launched.process.waitUntilExit()
        return Output(status: launched.process.terminationStatus, stdout: outData, stderr: errorData.wait())
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

    init(_ handle: FileHandle) {
        reading = BackgroundWork { handle.readDataToEndOfFile() }
    }

    /// Blocks until the pipe is closed; returns everything read.
    func wait() -> Data {
        (try? reading.wait()) ?? Data()
    }
}
