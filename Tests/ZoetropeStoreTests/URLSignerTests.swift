import Foundation
import Testing
import ZoetropeStore

struct URLSignerTests {
    let signer = URLSigner(secret: Data(repeating: 7, count: 32))

    @Test func signaturesVerifyUntilTheyExpire() {
        let expires = Int(Date().timeIntervalSince1970) + 60
        let signature = signer.signature(path: "/files/a.mp4", expires: expires)
        #expect(signer.verify(path: "/files/a.mp4", expires: expires, signature: signature) == .valid)
        #expect(signer.verify(path: "/files/b.mp4", expires: expires, signature: signature) == .badSignature)
        #expect(signer.verify(path: "/files/a.mp4", expires: expires + 1, signature: signature) == .badSignature)
        #expect(signer.verify(path: "/files/a.mp4", expires: expires, signature: "00") == .badSignature)
        #expect(
            signer.verify(path: "/files/a.mp4", expires: expires, signature: signature, now: Date().addingTimeInterval(120))
                == .expired)
        #expect(URLSigner(secret: Data(repeating: 8, count: 32)).verify(path: "/files/a.mp4", expires: expires, signature: signature) == .badSignature)
    }

    @Test func theSecretIsCreatedOnceAndKept() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("signing-\(UUID().uuidString).key")
        defer { try? FileManager.default.removeItem(at: file) }
        let first = try URLSigner.loadOrCreate(secretFile: file)
        let second = try URLSigner.loadOrCreate(secretFile: file)
        #expect(first.signature(path: "/p", expires: 1) == second.signature(path: "/p", expires: 1))
        let mode = try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }
}
