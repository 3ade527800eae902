import Foundation

/// The programs this process started that are still there (running, or exited and not yet
/// reaped), read from `/proc` on Linux: what a stalled render's log names, to show where it hung.
public enum ChildProcesses {
    /// One `pid state command…` line per child; empty where `/proc` cannot be read.
    public static func describe() -> [String] {
        let me = ProcessInfo.processInfo.processIdentifier
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { Int32($0) }.sorted().compactMap { pid in
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                let (state, parent) = parse(stat: stat), parent == me
            else { return nil }
            // /proc files say they are empty: read to the end rather than by their size.
            let arguments = (try? FileHandle(forReadingFrom: URL(fileURLWithPath: "/proc/\(pid)/cmdline")).readToEnd()) ?? Data()
            let command = arguments.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }.joined(separator: " ")
            return "\(pid) \(state) \(command.prefix(300))"
        }
    }

    /// The state letter and parent pid of a `/proc/<pid>/stat` line (the command, in parentheses,
    /// may itself hold spaces and parentheses: the fields after the last `)` are read).
    public static func parse(stat: String) -> (state: String, parent: Int32)? {
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count >= 2, let parent = Int32(fields[1]) else { return nil }
        return (String(fields[0]), parent)
    }
}
