import Foundation
import NIOConcurrencyHelpers

/// The last line of defence for secrets: every resolved secret is registered here, and every
/// line that leaves the process (stdout, stderr, the log file, the journal, the console's
/// messages) is passed through `scrub`, which masks any registered value. Masking at the
/// source (`Secret`'s description) stays the first line; this catches text the process did
/// not write itself, such as a server or TLS library echoing a header back.
public enum SecretScrubber {
    /// Shorter values would mask ordinary words; profiles' secrets are far longer.
    static let minimumLength = 6
    private static let secrets = NIOLockedValueBox<[[UInt8]]>([])

    public static func register(_ value: String) {
        let bytes = Array(value.utf8)
        guard bytes.count >= minimumLength else { return }
        secrets.withLockedValue { list in
            if !list.contains(bytes) { list.append(bytes) }
        }
    }

    /// `text` with every registered secret replaced by `••••`.
    public static func scrub(_ text: String) -> String {
        let list = secrets.withLockedValue { $0 }
        guard !list.isEmpty else { return text }
        var bytes = Array(text.utf8)
        var changed = false
        for secret in list where bytes.count >= secret.count {
            while let at = find(secret, in: bytes) {
                bytes.replaceSubrange(at..<(at + secret.count), with: Array("••••".utf8))
                changed = true
            }
        }
        return changed ? String(decoding: bytes, as: UTF8.self) : text
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        haystack.withUnsafeBufferPointer { hay in
            needle.withUnsafeBufferPointer { pin in
                let first = pin[0]
                var at = 0
                let last = hay.count - pin.count
                while at <= last {
                    if hay[at] == first, memcmp(hay.baseAddress! + at, pin.baseAddress!, pin.count) == 0 { return at }
                    at += 1
                }
                return nil
            }
        }
    }
}
