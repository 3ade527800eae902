import Foundation
import Testing
import ZoetropeCore

/// `DiskFull`: a full disk is recognised however it was reported — `ENOSPC` from a write, a
/// Foundation error wrapping it, a media tool's message — and nothing else is.
struct DiskFullTests {
    @Test func aFullDiskIsRecognisedInEveryForm() throws {
        #expect(DiskFull.isDiskFull(POSIXError(.ENOSPC)))
        #expect(DiskFull.isDiskFull(POSIXError(.EDQUOT)))
        #expect(DiskFull.isDiskFull(NSError(domain: NSPOSIXErrorDomain, code: Int(ENOSPC))))
        #expect(DiskFull.isDiskFull(CocoaError(.fileWriteOutOfSpace)))
        #expect(DiskFull.isDiskFull(NSError(
            domain: NSCocoaErrorDomain, code: CocoaError.fileWriteUnknown.rawValue,
            userInfo: [NSUnderlyingErrorKey: POSIXError(.ENOSPC)])))
        #expect(DiskFull.isDiskFull(RenderError("video encoding failed: Error writing trailer: No space left on device")))
        #expect(DiskFull.isDiskFull(RenderError("SQLite error: database or disk is full")))
        #expect(DiskFull.reason(POSIXError(.ENOSPC)) == "no space left on the server's disk")
    }

    @Test(.enabled(if: FileManager.default.isWritableFile(atPath: "/dev/full")))
    func aRealWriteToAFullDeviceIsRecognised() throws {
        do {
            try Data(repeating: 1, count: 1 << 16).write(to: URL(fileURLWithPath: "/dev/full"))
            Issue.record("writing to /dev/full succeeded")
        } catch {
            #expect(DiskFull.isDiskFull(error), "\(error)")
        }
    }

    @Test func otherFailuresAreNotADiskFull() {
        #expect(!DiskFull.isDiskFull(POSIXError(.EACCES)))
        #expect(!DiskFull.isDiskFull(CocoaError(.fileNoSuchFile)))
        #expect(!DiskFull.isDiskFull(RenderError("start_image_url could not be decoded")))
        #expect(DiskFull.reason(RenderError("x")) == nil)
    }
}
