/// Pulls records from a source one ahead, numbering them from 1, checking their size, and
/// showing each to the sinks that want records, once, before it is sent.
final class RecordReader: @unchecked Sendable {
    // Used by one task at a time: the sending loop.
    private let source: RecordSource
    private let maximumBytes: Int
    private let run: SendRun
    private var seq = 0
    private var ahead: (seq: Int, record: EventRecord)?
    private var exhausted = false

    /// The source checked its records and showed them to the read-ahead sinks already
    /// (`ReadAheadSource`, on the reading thread).
    private let readAhead: Bool

    init(source: RecordSource, maximumBytes: Int, run: SendRun, readAhead: Bool = false) {
        self.source = source
        self.maximumBytes = maximumBytes
        self.run = run
        self.readAhead = readAhead
    }

    /// Records read so far.
    var count: Int { seq }

    func peek() throws -> (seq: Int, record: EventRecord)? {
        try fillAhead()
        return ahead
    }

    private func fillAhead() throws {
        guard ahead == nil && !exhausted else { return }
        guard let record = try source.next() else {
            exhausted = true
            return
        }
        seq += 1
        if !readAhead { try RecordLimits.check(record, seq: seq, limit: maximumBytes) }
        run.willSend(seq: seq, record: record, readAhead: readAhead)
        ahead = (seq, record)
    }

    func next() throws -> (seq: Int, record: EventRecord)? {
        try fillAhead()
        // Moved out, not copied: a copy would retain each of the record's buffers once more.
        return ahead.take()
    }
}

/// Numbers, checks and shows records to the sinks that take them read ahead, as they are read:
/// under a `PrefetchingSource`, that work (the journal's digest above all) runs on the reading
/// thread instead of the sending one. `RecordReader(readAhead: true)` numbers them the same way.
final class ReadAheadSource: RecordSource {
    private let source: RecordSource
    private let maximumBytes: Int
    private let run: SendRun
    private var seq = 0

    init(_ source: RecordSource, maximumBytes: Int, run: SendRun) {
        self.source = source
        self.maximumBytes = maximumBytes
        self.run = run
    }

    func next() throws -> EventRecord? {
        guard let record = try source.next() else { return nil }
        try show(.record(record))
        return record
    }

    /// The next record as `EventFileReader.next(_:)` hands it over (a plain value borrowed,
    /// not built), numbered, checked and shown to the read-ahead sinks; false at the end.
    func next(_ body: (EventFileReader.BorrowedRecord) throws -> Void) throws -> Bool {
        guard let file = source as? EventFileReader else {
            guard let record = try next() else { return false }
            try body(.record(record))
            return true
        }
        return try file.next { item in
            try show(item)
            try body(item)
        }
    }

    /// Numbers, checks and shows the next record to the read-ahead sinks.
    private func show(_ item: EventFileReader.BorrowedRecord) throws {
        seq += 1
        switch item {
        case .value(let bytes, let type):
            try RecordLimits.check(size: bytes.count, seq: seq, limit: maximumBytes)
            run.didReadAhead(seq: seq, value: bytes, type: type)
        case .record(let record):
            try RecordLimits.check(record, seq: seq, limit: maximumBytes)
            run.didReadAhead(seq: seq, record: record)
        }
    }

    /// The records read so far go to the sender now (called on the reading thread).
    func endOfChunk() {
        run.didReadAheadChunk()
    }
}
