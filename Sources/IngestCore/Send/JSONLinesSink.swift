import Foundation
import Synchronization

/// Prints one JSON line per outcome (the `ingest send` contract) to a file descriptor, one
/// write per batch of outcomes, scrubbed of secrets (a server may echo one in a message).
public final class JSONLinesSink: SendSink {
    private let fd: Int32
    private let lock = Mutex(())

    public init(fileDescriptor: Int32 = STDOUT_FILENO) {
        self.fd = fileDescriptor
    }

    public func didReport(_ reports: [DeliveryReport]) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(reports.count * 112)
        for report in reports { report.appendJSONLine(to: &bytes) }
        let out = SecretScrubber.scrub(bytes)
        lock.withLock { _ in writeAll(fd, out) }
    }
}
