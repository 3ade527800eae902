import Crypto
import Foundation
import ZoetropeCore

/// Signs and checks expiring links: an HMAC-SHA256 over the path and the expiry time.
public struct URLSigner: Sendable {
    private let secret: Data

    public init(secret: Data) {
        self.secret = secret
    }

    /// Reads the signing secret from `file`, creating a random one (mode 0600) on first use.
    public static func loadOrCreate(secretFile: URL) throws -> URLSigner {
        if let existing = try? Data(contentsOf: secretFile), existing.count >= 32 {
            return URLSigner(secret: existing)
        }
        try FileManager.default.createDirectory(
            at: secretFile.deletingLastPathComponent(), withIntermediateDirectories: true)
        let secret = Data(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) })
        try secret.write(to: secretFile, options: .atomic)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: secretFile.path)
        return URLSigner(secret: secret)
    }

    public func signature(path: String, expires: Int) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data("\(path)\n\(expires)".utf8), using: SymmetricKey(data: secret))
        return Hex.string(mac)
    }

    /// The outcome of checking a presented link.
    public enum Verdict: Sendable, Equatable {
        case valid
        case badSignature
        case expired
    }

    public func verify(path: String, expires: Int, signature: String, now: Date = Date()) -> Verdict {
        let expected = Data(self.signature(path: path, expires: expires).utf8)
        let presented = Data(signature.lowercased().utf8)
        // Constant-time comparison of the two hex strings.
        guard expected.count == presented.count else { return .badSignature }
        var difference: UInt8 = 0
        for (a, b) in zip(expected, presented) { difference |= a ^ b }
        guard difference == 0 else { return .badSignature }
        return Double(expires) >= now.timeIntervalSince1970 ? .valid : .expired
    }
}
