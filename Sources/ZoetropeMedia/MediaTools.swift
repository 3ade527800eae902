import Foundation

/// The external programs the media pipeline needs, checked at start-up so a missing one fails
/// with a message that names the Debian package to install.
public enum MediaTools {
    /// A required program and the Debian package that provides it.
    public struct Requirement: Sendable {
        public var program: String
        public var versionArgument: String
        public var package: String
    }

    public static let requirements: [Requirement] = [
        Requirement(program: "ffmpeg", versionArgument: "-version", package: "ffmpeg"),
        Requirement(program: "ffprobe", versionArgument: "-version", package: "ffmpeg"),
        Requirement(program: "espeak-ng", versionArgument: "--version", package: "espeak-ng"),
    ]

    /// Returns each program's version line; throws naming every missing package.
    public static func check() throws -> [String: String] {
        var versions: [String: String] = [:]
        var missing: [Requirement] = []
        for requirement in requirements {
            if let output = try? ProcessRunner.runBlocking(requirement.program, [requirement.versionArgument]),
                output.status == 0
            {
                let text = String(decoding: output.stdout + output.stderr, as: UTF8.self)
                versions[requirement.program] = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? "?"
            } else {
                missing.append(requirement)
            }
        }
        if !missing.isEmpty {
            let programs = missing.map(\.program).joined(separator: ", ")
            let packages = Array(Set(missing.map(\.package))).sorted().joined(separator: " ")
            throw MissingToolError(
                message: "\(programs) not found on PATH; install with: apt-get install -y \(packages)")
        }
        return versions
    }

    /// A required program is not installed.
    public struct MissingToolError: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }
}
