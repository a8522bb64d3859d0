import Foundation

/// The journal: every send's records and outcomes, kept under the state directory as
///
///     journal/runs.jsonl        the runs index: each run's header and footer, a few hundred bytes a run
///     journal/runs/<id>.jsonl   one file per run: its header, one small entry per record, its footer
///     journal/lock              taken while the shared index is appended to or rewritten
///
/// Listing runs reads the index only. Retention removes whole run files, oldest first
/// (`JournalRetention`). An old single-file `journal.jsonl` is imported on first read
/// (`importLegacyJournal`).
public final class JournalStore: Sendable {
    /// The state directory (`INGEST_STATE_DIR`...); the journal lives in its `journal/` folder.
    public let directory: String
    public let retention: JournalRetention
    let root: String
    let runsDirectory: String
    let indexPath: String
    let lockPath: String

    public static func defaultDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let dir = environment["INGEST_STATE_DIR"], !dir.isEmpty { return dir }
        if let state = environment["XDG_STATE_HOME"], !state.isEmpty { return state + "/ingest" }
        return (environment["HOME"] ?? NSTemporaryDirectory()) + "/.local/state/ingest"
    }

    /// Nothing is created until a run begins. `retention` nil: the defaults, or
    /// `INGEST_JOURNAL_MAX_SIZE` / `INGEST_JOURNAL_MAX_AGE` (a bad value is an error here).
    public init(directory: String, retention: JournalRetention? = nil,
                environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        self.directory = directory
        self.retention = try retention ?? JournalRetention.configured(environment: environment)
        root = directory + "/journal"
        runsDirectory = root + "/runs"
        indexPath = root + "/runs.jsonl"
        lockPath = root + "/lock"
    }

    func runPath(_ id: String) -> String { runsDirectory + "/" + id + ".jsonl" }

    /// Opens a new run: its file, header and index line. Retention is applied first, at most
    /// once an hour (see `JournalRetention.applyIfDue`).
    public func beginRun(_ info: JournalRunInfo, keepValues: Bool) throws -> JournalRunWriter {
        try JournalFiles.makeDirectory(runsDirectory)
        applyRetentionIfDue()
        let start = JournalFormat.nowMilliseconds()
        for _ in 0..<16 {
            let id = Self.newRunID()
            let path = runPath(id)
            let fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            if fd < 0 && errno == EEXIST { continue }
            guard fd >= 0 else { throw InputError("cannot create the journal file \(path): \(String(cString: strerror(errno)))") }
            // Blocking: a reader testing for a writer holds a shared lock for an instant.
            while flock(fd, LOCK_EX) != 0 {
                guard errno == EINTR else {
                    close(fd)
                    throw InputError("cannot lock the journal file \(path): \(String(cString: strerror(errno)))")
                }
            }
            let header = JournalFormat.header(id: id, info: info, startMilliseconds: start, keepValues: keepValues)
            guard JournalFiles.write(fd, header) else {
                close(fd)
                unlink(path)
                throw InputError("cannot write the journal file \(path): \(String(cString: strerror(errno)))")
            }
            try? JournalFiles.appendShared(header, to: indexPath, lock: lockPath)
            return JournalRunWriter(runID: id, path: path, fd: fd, startMilliseconds: start, keepValues: keepValues,
                                    index: (indexPath, lockPath))
        }
        throw InputError("cannot find a free run id in \(runsDirectory)")
    }

    static func newRunID() -> String {
        String(UUID().uuidString.lowercased().prefix(8))
    }

    /// The entries of one run, in the order they were written; a torn or foreign line is
    /// skipped and counted (the return value).
    @discardableResult
    public func entries(run: String, _ body: (JournalRecordEntry) throws -> Void) throws -> Int {
        let path = runPath(run)
        guard Self.isRunID(run), FileManager.default.fileExists(atPath: path) else {
            throw InputError("no run \(run) in the journal (\(root)): `ingest journal` lists the runs")
        }
        var start: Int64?
        var skipped = 0
        skipped += try JournalFiles.readLines(path) { line in
            if JournalFormat.isHeader(line) {
                start = Int64(line.int("start_ms") ?? 0)
            } else if let entry = JournalFormat.entry(line, startMilliseconds: start ?? 0) {
                try body(entry)
            } else if !JournalFormat.isFooter(line) {
                skipped += 1
            }
        }
        return skipped
    }

    /// Run ids name files: anything else (a path, `..`) is refused before it reaches the file system.
    static func isRunID(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 64 && text.utf8.allSatisfy {
            ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 122) || ($0 >= 65 && $0 <= 90) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_")
        }
    }
}
