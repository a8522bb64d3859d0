import Foundation
import Synchronization

/// ISO-8601 timestamps, formatted once per millisecond rather than once per record.
public final class TimestampClock: Sendable {
    private let last = Mutex<(Int64, String)>((-1, ""))

    public init() {}

    /// The text of an epoch time in milliseconds (a broker's timestamp).
    public func timestamp(milliseconds: Int64) -> String {
        timestamp(Date(timeIntervalSince1970: Double(milliseconds) / 1000))
    }

    public func timestamp(_ date: Date = Date()) -> String {
        let millisecond = Int64(date.timeIntervalSince1970 * 1000)
        if let cached = last.withLock({ $0.0 == millisecond ? $0.1 : nil }) { return cached }
        let text = date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
        last.withLock { $0 = (millisecond, text) }
        return text
    }
}
