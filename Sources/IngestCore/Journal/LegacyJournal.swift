import Foundation

/// The first format: one `journal.jsonl` in the state directory, every line a `JournalEntry`
/// repeating its run's context. Readers (`ingest journal`, `ingest replay`) import it once
/// into the second format: each run gets its file, header, entries (digest, size, value kept)
/// and footer; the old file is then renamed `journal.jsonl.imported`, which an explicit
/// `ingest journal --prune` removes. Sends never read it.
enum LegacyJournal {
    static let fileName = "journal.jsonl"
    static let importedName = "journal.jsonl.imported"
}

/// What an import did.
public struct LegacyImportResult: Sendable, Equatable {
    public var runs = 0
    public var entries = 0
    /// Lines that could not be read (a torn last line from a killed run is expected).
    public var skippedLines = 0
    /// Where the old file now is.
    public var keptAs = ""
}

extension JournalStore {
    /// Imports an old `journal.jsonl` if there is one; nil when there is none. Runs already
    /// present (an import that was interrupted) are not imported twice.
    public func importLegacyJournal() throws -> LegacyImportResult? {
        let legacy = directory + "/" + LegacyJournal.fileName
        guard FileManager.default.fileExists(atPath: legacy) else { return nil }
        try JournalFiles.makeDirectory(runsDirectory)
        return try JournalFiles.withLock(lockPath) { () throws -> LegacyImportResult? in
            // Another process may have imported it while this one waited for the lock.
            guard FileManager.default.fileExists(atPath: legacy) else { return nil }
            let staging = root + "/import"
            try? FileManager.default.removeItem(atPath: staging)
            try JournalFiles.makeDirectory(staging)
            let present = runFiles()
            var runs: [String: ImportedRun] = [:]
            var order: [String] = []
            var buffered = 0
            var result = LegacyImportResult()
            let unreadable = try JournalFiles.readLines(legacy) { line in
                guard let id = line.string("run"), Self.isRunID(id), let seq = line.int("seq"), let outcome = line.string("outcome") else {
                    result.skippedLines += 1
                    return
                }
                guard !present.contains(id) else { return }
                let milliseconds = line.string("time").flatMap(JournalFormat.milliseconds(iso:)) ?? 0
                if runs[id] == nil {
                    order.append(id)
                    runs[id] = ImportedRun(path: staging + "/" + id + ".jsonl", start: milliseconds, header: JournalFormat.header(
                        id: id, info: JournalFormat.info(line), startMilliseconds: milliseconds, keepValues: line.has("record"), imported: true))
                }
                buffered += runs[id]!.add(line, seq: seq, outcome: outcome, milliseconds: milliseconds)
                result.entries += 1
                if buffered > 32 << 20 {
                    for id in order { try runs[id]!.flush() }
                    buffered = 0
                }
            }
            result.skippedLines += unreadable
            for id in order {
                var run = runs[id]!
                try run.flush()
                let footer = JournalFormat.footer(id: id, JournalFooter(
                    endMilliseconds: run.last, delivered: run.counts[0], failed: run.counts[1], unknown: run.counts[2],
                    entries: run.counts.reduce(0, +), stopReason: nil, recovered: false, bytesBefore: JournalFiles.size(run.path)?.bytes))
                run.pending = footer
                try run.flush()
                guard rename(run.path, runPath(id)) == 0 else {
                    throw InputError("cannot move the imported run \(id) into \(runsDirectory): \(String(cString: strerror(errno)))")
                }
                try JournalFiles.appendHoldingLock(run.header + footer, to: indexPath)
                result.runs += 1
            }
            try? FileManager.default.removeItem(atPath: staging)
            let kept = directory + "/" + LegacyJournal.importedName
            guard rename(legacy, kept) == 0 else {
                throw InputError("imported \(legacy) but cannot rename it to \(kept): \(String(cString: strerror(errno)))")
            }
            result.keptAs = kept
            return result
        }
    }
}

/// One run being rebuilt from old lines, written out in chunks.
private struct ImportedRun {
    let path: String
    let start: Int64
    let header: [UInt8]
    var pending: [UInt8]
    var last: Int64
    /// delivered, failed, unknown
    var counts = [0, 0, 0]

    init(path: String, start: Int64, header: [UInt8]) {
        self.path = path
        self.start = start
        self.header = header
        self.pending = header
        self.last = start
    }

    /// Adds one old line as an entry; the bytes now buffered.
    mutating func add(_ line: JournalLine, seq: Int, outcome: String, milliseconds: Int64) -> Int {
        let before = pending.count
        last = max(last, milliseconds)
        pending += "{\"s\":\(seq),\"t\":\(milliseconds - start)".utf8
        switch outcome {
        case "delivered":
            pending += ",\"o\":\"d\",\"p\":\(line.int("partition") ?? -1),\"off\":\(line.int("offset") ?? -1)".utf8
            counts[0] += 1
        case "failed":
            pending += ",\"o\":\"f\",\"code\":\(line.int("error_code") ?? 0)".utf8
            counts[1] += 1
        default:
            pending += ",\"o\":\"u\"".utf8
            counts[2] += 1
        }
        if outcome != "delivered" {
            pending += ",\"msg\":".utf8
            RecordEncoding.appendString(line.string("message") ?? "", to: &pending)
        }
        pending += ",\"n\":\(line.int("size") ?? 0),\"h\":".utf8
        RecordEncoding.appendString(line.string("digest") ?? "", to: &pending)
        if let record = line.string("record") {
            pending += ",\"r\":".utf8
            RecordEncoding.appendString(record, to: &pending)
        }
        pending += "}\n".utf8
        return pending.count - before
    }

    mutating func flush() throws {
        guard !pending.isEmpty else { return }
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0, JournalFiles.write(fd, pending) else {
            if fd >= 0 { close(fd) }
            throw InputError("cannot write the imported journal file \(path): \(String(cString: strerror(errno)))")
        }
        close(fd)
        pending.removeAll(keepingCapacity: false)
    }
}
