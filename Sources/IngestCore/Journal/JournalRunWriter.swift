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
    /// Records read ahead, not yet in `pending`: one lock per chunk instead of per record.
    private let staged = Staged()
    private let file: NIOLockedValueBox<FileState>

    struct FileState {
        var fd: Int32
        /// The last write may have stopped mid-line (a full disk): the next one starts a new line.
        var mayBeTorn = false
        var entries = 0
        var scratch: [UInt8] = []
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
        let entry = pendingRecord(record)
        pending.withLockedValue { $0.insert(seq: seq, entry) }
    }

    /// `willSend` for a record read ahead: kept back until `commitStaged`, which must come
    /// before its outcome can. Called by one reading thread at a time.
    public func stage(seq: Int, record: EventRecord) {
        staged.records.append((seq, pendingRecord(record)))
    }

    /// `stage` for a record that is a plain value, from its bytes (the same digest and size).
    public func stage(seq: Int, value: UnsafeRawBufferPointer, type: ValueType) {
        guard !keepValues else {
            stage(seq: seq, record: EventRecord(value: Payload(type: type, data: Array(value))))
            return
        }
        staged.records.append((seq, PendingRecord(digest: RecordDigest(value: value), size: value.count, value: nil)))
    }

    /// The staged records wait for their outcomes from now on.
    public func commitStaged() {
        guard !staged.records.isEmpty else { return }
        pending.withLockedValue { pending in
            for (seq, entry) in staged.records { pending.insert(seq: seq, entry) }
        }
        staged.records.removeAll(keepingCapacity: true)
    }

    private func pendingRecord(_ record: EventRecord) -> PendingRecord {
        PendingRecord(digest: RecordDigest(record), size: record.approximateSize, value: keepValues ? RecordEncoding.produceRequest(record) : nil)
    }

    /// Touched only by the reading thread (`stage`, `commitStaged`).
    private final class Staged: @unchecked Sendable {
        var records: [(Int, PendingRecord)] = []
    }

    /// A batch of outcomes, written as one `write(2)`.
    @inlinable
    public func record<C: Collection>(_ reports: C) where C.Element == DeliveryReport {
        // Inlined into the caller, so the work below runs on a plain buffer, not through
        // the generic collection's witnesses for every report.
        if reports.withContiguousStorageIfAvailable({ record(buffer: $0) }) == nil {
            Array(reports).withUnsafeBufferPointer { record(buffer: $0) }
        }
    }

    /// A delivered range, written as one `write(2)` of its records' entries.
    public func record(_ range: DeliveredRange) {
        guard range.count > 0 else { return }
        write(entries: range.count) { bytes, elapsed in
            var freeText = false
            pending.withLockedValue { pending in
                for position in 0..<range.count {
                    let seq = range.firstSeq + position
                    if JournalEntryEncoder.appendDelivered(seq: seq, partition: range.partition, offset: range.offset(at: position),
                                                           pending: pending.remove(seq: seq), elapsed: elapsed, to: &bytes) {
                        freeText = true
                    }
                }
            }
            return freeText
        }
    }

    @usableFromInline
    func record(buffer reports: UnsafeBufferPointer<DeliveryReport>) {
        guard !reports.isEmpty else { return }
        write(entries: reports.count) { bytes, elapsed in
            var freeText = false
            pending.withLockedValue { pending in
                for report in reports {
                    if JournalEntryEncoder.append(report, pending: pending.remove(seq: report.seq), elapsed: elapsed, to: &bytes) {
                        freeText = true
                    }
                }
            }
            return freeText
        }
    }

    /// One `write(2)` of the entries `encode` appends (given the run's elapsed milliseconds;
    /// it returns whether they hold text from elsewhere, which is scrubbed first).
    private func write(entries: Int, _ encode: (inout [UInt8], Int64) -> Bool) {
        let elapsed = JournalFormat.nowMilliseconds() - startMilliseconds
        file.withLockedValue { state in
            guard state.fd >= 0 else { return }
            // The buffer of the previous batch, kept: no allocation, no fresh pages per batch.
            var bytes = state.scratch
            state.scratch = []
            bytes.removeAll(keepingCapacity: true)
            if state.mayBeTorn { bytes.append(0x0A) }
            // Only entries that carry text from elsewhere pay for the secret scrubber.
            if encode(&bytes, elapsed) { bytes = JournalFormat.scrubbed(bytes) }
            state.mayBeTorn = !JournalFiles.write(state.fd, bytes)
            if !state.mayBeTorn { state.entries += entries }
            // A rare huge batch (kept values) does not pin its memory for the rest of the run.
            if bytes.capacity <= 4 << 20 { state.scratch = bytes }
        }
    }

    /// Writes the footer (here and in the runs index) and closes the file. A run without one
    /// was killed; it still lists, with the counts of the entries written. Later calls do nothing.
    public func finish(delivered: Int, failed: Int, unknown: Int, stopReason: String?) {
        file.withLockedValue { state in
            guard state.fd >= 0 else { return }
            let fresh = state.mayBeTorn || !JournalFiles.endsWithNewline(state.fd)
            var size = stat()
            let before = fstat(state.fd, &size) == 0 ? Int(size.st_size) + (fresh ? 1 : 0) : nil
            let footer = JournalFormat.footer(id: runID, JournalFooter(
                endMilliseconds: JournalFormat.nowMilliseconds(), delivered: delivered, failed: failed, unknown: unknown,
                entries: state.entries, stopReason: stopReason, recovered: false, bytesBefore: before))
            JournalFiles.write(state.fd, fresh ? [0x0A] + footer : footer)
            try? JournalFiles.appendShared(footer, to: index.path, lock: index.lock)
            close(state.fd)
            state.fd = -1
        }
    }
}
