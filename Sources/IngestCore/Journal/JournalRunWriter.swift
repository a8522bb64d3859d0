import Foundation
import NIOConcurrencyHelpers

/// Writes one run's file: its header (written by `JournalStore.beginRun`), one entry per record
/// outcome, and a footer at `finish`. The process holds an exclusive `flock` on the file while
/// it writes, so readers tell a running run from a killed one. Each `record` call is one
/// `write(2)` of whole lines: a killed process loses at most the batch being written, and only
/// this run's file can end torn (the next write, here or in a later run, starts a fresh line).
public final class JournalRunWriter: Sendable {
    public let runID: String
    public let path: String
    private let startMilliseconds: Int64
    private let keepValues: Bool
    private let index: (path: String, lock: String)
    private let pending = NIOLockedValueBox(PendingRecords())
    private let file: NIOLockedValueBox<FileState>

    struct FileState {
        var fd: Int32
        /// The last write may have stopped mid-line (a full disk): the next one starts a new line.
        var mayBeTorn = false
        var entries = 0
    }

    init(runID: String, path: String, fd: Int32, startMilliseconds: Int64, keepValues: Bool, index: (path: String, lock: String)) {
        self.runID = runID
        self.path = path
        self.startMilliseconds = startMilliseconds
        self.keepValues = keepValues
        self.index = index
        self.file = NIOLockedValueBox(FileState(fd: fd))
    }

    deinit {
        let fd = file.withLockedValue { $0.fd }
        if fd >= 0 { close(fd) }
    }

    /// Called once per record, before it is sent: its digest (and value, when the run keeps
    /// values) wait here for its outcome.
    public func willSend(seq: Int, record: EventRecord) {
        let entry = PendingRecord(digest: RecordDigest(record), size: record.approximateSize,
                                  value: keepValues ? RecordEncoding.produceRequest(record) : nil)
        pending.withLockedValue { $0.insert(seq: seq, entry) }
    }

    /// A batch of outcomes, written as one `write(2)`.
    public func record<C: Collection>(_ reports: C) where C.Element == DeliveryReport {
        guard !reports.isEmpty else { return }
        let elapsed = JournalFormat.nowMilliseconds() - startMilliseconds
        var bytes: [UInt8] = []
        bytes.reserveCapacity(reports.count * (keepValues ? 256 : 96) + 1)
        var freeText = false
        pending.withLockedValue { pending in
            for report in reports {
                if JournalFormat.appendEntry(report, pending: pending.remove(seq: report.seq), elapsed: elapsed, to: &bytes) {
                    freeText = true
                }
            }
        }
        // Only entries that carry text from elsewhere pay for the secret scrubber.
        if freeText { bytes = JournalFormat.scrubbed(bytes) }
        let count = reports.count
        file.withLockedValue { state in
            guard state.fd >= 0 else { return }
            if state.mayBeTorn { bytes.insert(0x0A, at: 0) }
            state.mayBeTorn = !JournalFiles.write(state.fd, bytes)
            if !state.mayBeTorn { state.entries += count }
        }
    }

    /// Writes the footer (here and in the runs index) and closes the file. A run without one
    /// was killed; it still lists, with the counts of the entries written. Later calls do nothing.
    public func finish(delivered: Int, failed: Int, unknown: Int, stopReason: String?) {
        file.withLockedValue { state in
            guard state.fd >= 0 else { return }
            let footer = JournalFormat.footer(id: runID, endMilliseconds: JournalFormat.nowMilliseconds(), delivered: delivered,
                                              failed: failed, unknown: unknown, entries: state.entries, stopReason: stopReason, recovered: false)
            JournalFiles.write(state.fd, state.mayBeTorn || !JournalFiles.endsWithNewline(state.fd) ? [0x0A] + footer : footer)
            try? JournalFiles.appendShared(footer, to: index.path, lock: index.lock)
            close(state.fd)
            state.fd = -1
        }
    }
}
