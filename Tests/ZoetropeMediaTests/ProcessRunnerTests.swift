import Foundation
import Testing
import ZoetropeMedia

/// Launching programs: each child gets only its own pipes, and the children still there can be
/// named when a render stalls.
struct ProcessRunnerTests {
    /// Long programs start on some threads while short ones run on others: a long one may hold no
    /// pipe but its own stdin and stderr. (Launched without `ProcessRunner`'s one-at-a-time rule,
    /// some long ones held up to a dozen other pipes, and a short one's reader waited for the end
    /// of a long one that was waiting for the test: the hang this test reports after 60 s.)
    @Test func aProgramsPipesAreItsOwn() throws {
        let launched = Launches()
        let done = DispatchSemaphore(value: 0)
        let threads = 8
        for index in 0..<threads {
            Thread {
                for _ in 0..<30 {
                    if index < 4 {
                        launched.add(try! ProcessRunner.launch("cat", [], stdin: true, stdout: false))
                    } else {
                        _ = try! ProcessRunner.runBlocking("true", [])
                    }
                }
                done.signal()
            }.start()
        }
        var finished = 0
        while finished < threads, done.wait(timeout: .now() + 60) == .success { finished += 1 }
        #expect(finished == threads, "short programs' output was still open after 60 s")
        if finished < threads {
            launched.all.forEach { try? $0.stdin!.close() }  // their ends free the waiting readers
            for _ in finished..<threads { done.wait() }
            return
        }
        let longRunning = launched.all
        defer {
            for program in longRunning {
                try? program.stdin!.close()
                program.process.waitUntilExit()
            }
        }

        for program in longRunning {
            let pid = program.process.processIdentifier
            let own = Set([program.stdin!.fileDescriptor, program.stderr.fileDescriptor].map { "pipe:\(Self.inode(ofOwn: $0))" })
            let held = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").map {
                try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\($0)")
            }
            let pipes = Set(held.filter { $0.hasPrefix("pipe:") }.map { "pipe:\($0.dropFirst(6).dropLast())" })
            #expect(pipes == own, "pid \(pid) holds \(held.sorted()); its own pipes are \(own.sorted())")
        }
        let described = ChildProcesses.describe()
        #expect(longRunning.allSatisfy { program in described.contains { $0.hasPrefix("\(program.process.processIdentifier) ") } })
        #expect(described.contains { $0.hasSuffix(" cat") }, "\(described)")
        let output = try ProcessRunner.runBlocking("sh", ["-c", "echo out; echo err >&2"])
        #expect(output.status == 0 && output.stdout == Data("out\n".utf8) && output.lastErrorLine == "err")
    }

    @Test func aStatLineIsReadAfterTheCommandsLastParenthesis() {
        #expect(ChildProcesses.parse(stat: "4242 (ffmpeg) S 17 4242 17 0 -1").map { [$0.state, "\($0.parent)"] } == ["S", "17"])
        #expect(ChildProcesses.parse(stat: "7 (a) b (c)) Z 99 7 7").map { [$0.state, "\($0.parent)"] } == ["Z", "99"])
        #expect(ChildProcesses.parse(stat: "garbage") == nil)
    }

    /// The programs the test's threads launched.
    final class Launches: @unchecked Sendable {
        private let lock = NSLock()
        private var launched: [ProcessRunner.Launched] = []
        func add(_ program: ProcessRunner.Launched) { lock.withLock { launched.append(program) } }
        var all: [ProcessRunner.Launched] { lock.withLock { launched } }
    }

    /// The inode of the pipe behind one of this process's descriptors.
    static func inode(ofOwn descriptor: Int32) -> String {
        let link = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(descriptor)")) ?? ""
        return String(link.dropFirst(6).dropLast())
    }
}
