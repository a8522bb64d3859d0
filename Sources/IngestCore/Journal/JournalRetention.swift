import Foundation

/// How much journal to keep: runs last written longer ago than `maximumAge` go, then the
/// oldest runs until the journal fits in `maximumBytes` (the newest run stays, whatever its
/// size). A run being written is never removed.
/// Defaults: 1 GiB (about ten million records) and 365 days; `INGEST_JOURNAL_MAX_SIZE` and
/// `INGEST_JOURNAL_MAX_AGE` change them (`off` for no limit).
public struct JournalRetention: Sendable, Equatable {
    public var maximumBytes: Int64?
    /// Seconds.
    public var maximumAge: Double?

    public init(maximumBytes: Int64?, maximumAge: Double?) {
        self.maximumBytes = maximumBytes
        self.maximumAge = maximumAge
    }

    public static let standard = JournalRetention(maximumBytes: 1 << 30, maximumAge: 365 * 86_400)
    /// Automatic retention runs when a run begins, at most this often (seconds).
    static let interval: Double = 3600

    public static func configured(environment: [String: String]) throws -> JournalRetention {
        var retention = standard
        if let size = environment["INGEST_JOURNAL_MAX_SIZE"], !size.isEmpty {
            retention.maximumBytes = try parseSize(size, what: "INGEST_JOURNAL_MAX_SIZE")
        }
        if let age = environment["INGEST_JOURNAL_MAX_AGE"], !age.isEmpty {
            retention.maximumAge = try parseAge(age, what: "INGEST_JOURNAL_MAX_AGE")
        }
        return retention
    }

    /// `500MB`, `2GB`, `1.5G`, `800k`, a number of bytes, or `off`.
    public static func parseSize(_ text: String, what: String) throws -> Int64? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        if trimmed == "off" || trimmed == "none" { return nil }
        let (kib, mib, gib) = (1024.0, 1024.0 * 1024, 1024.0 * 1024 * 1024)
        let units: [(String, Double)] = [("gib", gib), ("mib", mib), ("kib", kib), ("gb", 1e9), ("mb", 1e6), ("kb", 1e3),
                                         ("g", gib), ("m", mib), ("k", kib), ("b", 1)]
        var number = trimmed
        var scale = 1.0
        if let unit = units.first(where: { trimmed.hasSuffix($0.0) }) {
            number = String(trimmed.dropLast(unit.0.count)).trimmingCharacters(in: .whitespaces)
            scale = unit.1
        }
        guard let value = Double(number), value >= 0, value * scale < 9e18 else {
            throw InputError("\(what) expects a size such as 500MB, 2GB or off, got \"\(text)\"")
        }
        return Int64(value * scale)
    }

    /// `30d`, `12h`, `90m`, `2w`, or `off`.
    public static func parseAge(_ text: String, what: String) throws -> Double? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        if trimmed == "off" || trimmed == "none" { return nil }
        let units: [(String, Double)] = [("w", 7 * 86_400), ("d", 86_400), ("h", 3600), ("m", 60), ("s", 1)]
        guard let unit = units.first(where: { trimmed.hasSuffix($0.0) }),
              let value = Double(trimmed.dropLast()), value >= 0 else {
            throw InputError("\(what) expects an age such as 30d, 12h or off, got \"\(text)\"")
        }
        return value * unit.1
    }
}

/// What `prune` removed and kept.
public struct PruneResult: Sendable, Equatable {
    public var removedRuns: [String] = []
    public var removedBytes = 0
    public var keptRuns = 0
    public var keptBytes = 0
    /// The old single-file journal, kept after its import, when this prune removed it.
    public var removedLegacyFile: String?
}

extension JournalStore {
    /// Removes what `policy` (default: the store's retention) does not keep; `dryRun` only says.
    /// The imported old `journal.jsonl` goes too when `removeLegacy` (an explicit prune).
    public func prune(_ policy: JournalRetention? = nil, dryRun: Bool = false, removeLegacy: Bool = false,
                      now: Date = Date()) throws -> PruneResult {
        let policy = policy ?? retention
        let known = (try? readIndex()) ?? Index()
        struct Candidate { var id: String; var bytes: Int; var modified: Date; var start: Int64; var live: Bool }
        var candidates: [Candidate] = runFiles().compactMap { id in
            let path = runPath(id)
            // An empty file is a run being created (its header comes right after its lock).
            guard let size = JournalFiles.size(path), size.bytes > 0 else { return nil }
            return Candidate(id: id, bytes: size.bytes, modified: size.modified,
                             start: known.position[id].map { known.runs[$0].startMilliseconds } ?? Int64(size.modified.timeIntervalSince1970 * 1000),
                             live: JournalFiles.hasWriter(path))
        }
        candidates.sort { ($0.start, $0.id) < ($1.start, $1.id) }
        var result = PruneResult()
        var remove = Set<String>()
        if let age = policy.maximumAge {
            let cutoff = now.addingTimeInterval(-age)
            for candidate in candidates where !candidate.live && candidate.modified < cutoff { remove.insert(candidate.id) }
        }
        if let limit = policy.maximumBytes {
            var total = Int64(JournalFiles.size(indexPath)?.bytes ?? 0)
            for candidate in candidates where !remove.contains(candidate.id) { total += Int64(candidate.bytes) }
            // The newest run stays whatever its size: the last send can always be looked at and replayed.
            for candidate in candidates.dropLast() where total > limit && !candidate.live && !remove.contains(candidate.id) {
                remove.insert(candidate.id)
                total -= Int64(candidate.bytes)
            }
        }
        for candidate in candidates {
            if remove.contains(candidate.id) {
                result.removedRuns.append(candidate.id)
                result.removedBytes += candidate.bytes
            } else {
                result.keptRuns += 1
                result.keptBytes += candidate.bytes
            }
        }
        let legacy = directory + "/" + LegacyJournal.importedName
        if removeLegacy, FileManager.default.fileExists(atPath: legacy) { result.removedLegacyFile = legacy }
        guard !dryRun else { return result }
        for id in result.removedRuns { unlink(runPath(id)) }
        if let file = result.removedLegacyFile { unlink(file) }
        if !result.removedRuns.isEmpty { try compactIndex() }
        return result
    }

    /// Rewrites the index without the runs whose files are gone. Under the lock, which every
    /// append takes too, and through a rename: an append is never lost, a reader never sees half.
    func compactIndex() throws {
        try JournalFiles.withLock(lockPath) {
            let present = runFiles()
            var kept: [UInt8] = []
            try JournalFiles.readLines(indexPath) { line in
                guard let id = line.string("run"), present.contains(id) else { return }
                kept += line.bytes
                kept.append(0x0A)
            }
            let temporary = indexPath + ".tmp"
            let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw InputError("cannot rewrite the journal index \(temporary): \(String(cString: strerror(errno)))") }
            let written = JournalFiles.write(fd, kept)
            close(fd)
            guard written, rename(temporary, indexPath) == 0 else {
                unlink(temporary)
                throw InputError("cannot rewrite the journal index \(indexPath): \(String(cString: strerror(errno)))")
            }
        }
    }

    /// Automatic retention, when a run begins: at most once an hour (a marker file's time says
    /// when it last ran), so a send's start pays one `stat` almost always.
    func applyRetentionIfDue(now: Date = Date()) {
        let marker = root + "/retention-checked"
        if let last = JournalFiles.size(marker)?.modified, now.timeIntervalSince(last) < JournalRetention.interval { return }
        // Touched first: concurrent starts do not all prune.
        let fd = open(marker, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        if fd >= 0 {
            futimens(fd, nil)
            close(fd)
        }
        _ = try? prune(now: now)
    }
}
