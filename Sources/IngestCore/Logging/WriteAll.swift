import Foundation

/// Writes all of `bytes` to `fd`, going on after short writes; stops at the first error
/// (a full disk or a closed pipe must not stall a send). The journal and the log file append
/// whole lines with it.
func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
    bytes.withUnsafeBytes { buffer in
        var offset = 0
        while offset < buffer.count {
            let written = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
            if written <= 0 { return }
            offset += written
        }
    }
}
