import Foundation
import Synchronization

/// The last line of defence for secrets: every resolved secret is registered here, and every
/// line that leaves the process (stdout, stderr, the log file, the journal, the console's
/// messages) is passed through `scrub`, which masks any registered value. Masking at the
/// source (`Secret`'s description) stays the first line; this catches text the process did
/// not write itself, such as a server or TLS library echoing a header back.
public enum SecretScrubber {
    /// Shorter values would mask ordinary words; profiles' secrets are far longer.
    static let minimumLength = 6
    private static let secrets = Mutex<[[UInt8]]>([])

    public static func register(_ value: String) {
        let bytes = Array(value.utf8)
        guard bytes.count >= minimumLength else { return }
        secrets.withLock { list in
            if !list.contains(bytes) { list.append(bytes) }
        }
    }

    /// `text` with every registered secret replaced by `••••`. Runs on every output line, so
    /// the common case (no secret in the line) only reads the string's bytes, copying nothing.
    public static func scrub(_ text: String) -> String {
        let list = secrets.withLock { $0 }
        guard !list.isEmpty else { return text }
        var text = text
        let found = text.withUTF8 { bytes in list.contains { find($0, in: bytes, from: 0) != nil } }
        guard found else { return text }
        var bytes = Array(text.utf8)
        let mask = Array("••••".utf8)
        for secret in list {
            var masked: [UInt8] = []
            var start = 0
            while let at = bytes.withUnsafeBufferPointer({ find(secret, in: $0, from: start) }) {
                masked += bytes[start..<at] + mask
                start = at + secret.count
            }
            if start > 0 { bytes = masked + bytes[start...] }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `bytes` with every registered secret masked; the same bytes when none is in them.
    public static func scrub(_ bytes: [UInt8]) -> [UInt8] {
        let list = secrets.withLock { $0 }
        guard !list.isEmpty else { return bytes }
        let found = bytes.withUnsafeBufferPointer { buffer in list.contains { find($0, in: buffer, from: 0) != nil } }
        guard found else { return bytes }
        return Array(scrub(String(decoding: bytes, as: UTF8.self)).utf8)
    }

    private static func find(_ needle: [UInt8], in hay: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        needle.withUnsafeBytes { ByteSearch.firstIndex(of: $0, in: UnsafeRawBufferPointer(hay), from: start) }
    }
}
