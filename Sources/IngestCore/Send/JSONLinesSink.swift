import Foundation
import Synchronization

/// Prints one JSON line per outcome (the `ingest send` contract) to a file descriptor, one
/// write per batch of outcomes, scrubbed of secrets (a server may echo one in a message).
public final class JSONLinesSink: SendSink {
    private let fd: Int32
    private let lock = Mutex(())
    private let clock = TimestampClock()

    public init(fileDescriptor: Int32 = STDOUT_FILENO) {
        self.fd = fileDescriptor
    }

    public func didDeliver(_ range: DeliveredRange) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(range.count * 150)
        // Every byte of a delivered line is this process's own: nothing to scrub.
        range.appendJSONLines(to: &bytes, clock: clock)
        lock.withLock { _ in writeAll(fd, bytes) }
    }

    public func didReport(_ reports: [DeliveryReport]) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(reports.count * 112)
        var freeText = false
        for report in reports {
            report.appendJSONLine(to: &bytes)
            if !report.outcome.isDelivered { freeText = true }
        }
        // A delivered line holds only what this process made (numbers, our own timestamp): only
        // a server's message can carry a secret back, so only batches with one pay the scrubber.
        let out = freeText ? SecretScrubber.scrub(bytes) : bytes
        lock.withLock { _ in writeAll(fd, out) }
    }
}
