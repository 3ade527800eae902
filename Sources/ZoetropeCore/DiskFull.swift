import Foundation

/// Recognises a full disk in whatever error reported it — a file write (`ENOSPC`), or a media
/// tool's or SQLite's message ("No space left on device", "database or disk is full") — so the job fails saying so.
public enum DiskFull {
    /// The reason a client sees.
    public static let message = "no space left on the server's disk"

    /// `message` when `error` comes from a full disk; nil otherwise.
    public static func reason(_ error: any Error) -> String? {
        isDiskFull(error) ? message : nil
    }

    /// Whether `error` (or the error under it) is `ENOSPC` or `EDQUOT`, or a tool's message says so.
    public static func isDiskFull(_ error: any Error) -> Bool {
        if let posix = error as? POSIXError { return posix.code == .ENOSPC || posix.code == .EDQUOT }
        let bridged = error as NSError
        if bridged.domain == NSPOSIXErrorDomain { return bridged.code == Int(ENOSPC) || bridged.code == Int(EDQUOT) }
        if bridged.domain == NSCocoaErrorDomain && bridged.code == CocoaError.fileWriteOutOfSpace.rawValue { return true }
        if let underlying = bridged.userInfo[NSUnderlyingErrorKey] as? any Error { return isDiskFull(underlying) }
        let text = (error as? RenderError)?.message ?? "\(error)"
        // "No space left on device" (strerror, ffmpeg), "database or disk is full" (SQLite).
        return text.localizedCaseInsensitiveContains("no space left") || text.localizedCaseInsensitiveContains("disk is full")
    }
}
