import Foundation

/// Listing runs from the index, and keeping the index true to the run files: a run file the
/// index lacks (the index was lost, or its append failed) is added from the file's own header
/// and footer; a run whose process died before its footer is counted once and given one.
extension JournalStore {
    /// The index as read: runs in the order their headers were written, each with its best
    /// footer (one the run wrote wins over one a reader wrote for it).
    struct Index {
        var runs: [JournalRunSummary] = []
        var footers: [JournalFooter?] = []
        var position: [String: Int] = [:]

        mutating func add(_ summary: JournalRunSummary) {
            if let at = position[summary.id] {
                // The same run added twice (two readers rebuilt it), or an id reused after its run was pruned.
                if runs[at].startMilliseconds != summary.startMilliseconds { footers[at] = nil }
                runs[at] = summary
            } else {
                position[summary.id] = runs.count
                runs.append(summary)
                footers.append(nil)
            }
        }

        mutating func add(_ footer: JournalFooter, run id: String) {
            guard let at = position[id] else { return }
            if let known = footers[at], !known.recovered, footer.recovered { return }
            footers[at] = footer
        }
    }

    /// The runs, oldest first (newest last), optionally only those of one profile or topic.
    public func runs(profile: String? = nil, topic: String? = nil) throws -> [JournalRunSummary] {
        var index = try readIndex()
        let files = runFiles()

        // Run files the index does not know: their header (and footer, if any) go into it.
        let orphans = files.filter { index.position[$0] == nil }.compactMap { id -> JournalRunSummary? in
            guard let line = JournalFiles.firstLine(runPath(id)), JournalFormat.isHeader(line), let summary = JournalFormat.summary(header: line),
                  summary.id == id else { return nil }
            return summary
        }
        for summary in orphans.sorted(by: { ($0.startMilliseconds, $0.id) < ($1.startMilliseconds, $1.id) }) {
            var lines = JournalFormat.header(id: summary.id, info: summary.info, startMilliseconds: summary.startMilliseconds,
                                             keepValues: summary.keepsValues)
            index.add(summary)
            if let last = JournalFiles.lastLine(runPath(summary.id)), let footer = JournalFooter(last) {
                index.add(footer, run: summary.id)
                lines += JournalFormat.footer(id: summary.id, footer)
            }
            try? JournalFiles.appendShared(lines, to: indexPath, lock: lockPath)
        }

        // Completed in place: a working year's journal holds thousands of runs.
        var keep = [Bool](repeating: false, count: index.runs.count)
        for at in index.runs.indices where files.contains(index.runs[at].id) {
            if let profile, index.runs[at].info.profile != profile { continue }
            if let topic, index.runs[at].info.topic != topic { continue }
            keep[at] = true
            let path = runPath(index.runs[at].id)
            if let footer = index.footers[at] {
                footer.apply(to: &index.runs[at])
            } else if JournalFiles.hasWriter(path) {
                let counts = try JournalFormat.countEntries(path, startMilliseconds: index.runs[at].startMilliseconds)
                (index.runs[at].delivered, index.runs[at].failed, index.runs[at].unknown) = (counts.delivered, counts.failed, counts.unknown)
                index.runs[at].state = .running
            } else {
                try recover(id: index.runs[at].id, path: path).apply(to: &index.runs[at])
            }
            // Footers of the first releases of this format did not say their file's size.
            if index.runs[at].bytes == 0 { index.runs[at].bytes = JournalFiles.size(path)?.bytes ?? 0 }
        }
        var result: [JournalRunSummary] = []
        result.reserveCapacity(index.runs.count)
        for at in index.runs.indices where keep[at] { result.append(index.runs[at]) }
        // Runs begun in the same millisecond keep the index's order; the index is nearly always in order already.
        if result.indices.dropFirst().contains(where: { result[$0 - 1].startMilliseconds > result[$0].startMilliseconds }) {
            result = result.enumerated().sorted { ($0.element.startMilliseconds, $0.offset) < ($1.element.startMilliseconds, $1.offset) }.map(\.element)
        }
        return result
    }

    /// The run `selection` names: an id, or `last` for the newest.
    public func run(_ selection: String) throws -> JournalRunSummary {
        let all = try runs()
        if selection == "last" {
            guard let last = all.last else { throw InputError("the journal (\(root)) has no runs yet: every `ingest send` adds one") }
            return last
        }
        guard let run = all.first(where: { $0.id == selection }) else {
            throw InputError("no run \(selection) in the journal (\(root)): `ingest journal` lists the runs")
        }
        return run
    }

    func readIndex() throws -> Index {
        var index = Index()
        try JournalFiles.readLines(indexPath) { line in
            if JournalFormat.isHeader(line), let summary = JournalFormat.summary(header: line) {
                index.add(summary)
            } else if let footer = JournalFooter(line), let id = line.string("run") {
                index.add(footer, run: id)
            }
        }
        return index
    }

    /// The ids of the run files present.
    func runFiles() -> Set<String> {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: runsDirectory)) ?? []
        return Set(names.compactMap { $0.hasSuffix(".jsonl") ? String($0.dropLast(6)) : nil })
    }

    /// A run with no footer and no writer: its process was killed. Its entries are counted
    /// once, and the footer that says so goes into its file and the index.
    func recover(id: String, path: String) throws -> JournalFooter {
        // A run that finished between the index being read and its lock being tested has a footer by now.
        if let last = JournalFiles.lastLine(path), let footer = JournalFooter(last) {
            try? JournalFiles.appendShared(JournalFormat.footer(id: id, footer), to: indexPath, lock: lockPath)
            return footer
        }
        let start = Int64(JournalFiles.firstLine(path)?.int("start_ms") ?? 0)
        let counts = try JournalFormat.countEntries(path, startMilliseconds: start)
        var footer = JournalFooter(endMilliseconds: counts.lastMilliseconds, delivered: counts.delivered, failed: counts.failed,
                                   unknown: counts.unknown, entries: counts.delivered + counts.failed + counts.unknown,
                                   stopReason: "the process ended before the run did (killed?)", recovered: true, bytesBefore: nil)
        let fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC)
        if fd >= 0 {
            let fresh = !JournalFiles.endsWithNewline(fd)
            footer.bytesBefore = JournalFiles.size(path).map { $0.bytes + (fresh ? 1 : 0) }
            let line = JournalFormat.footer(id: id, footer)
            JournalFiles.write(fd, fresh ? [0x0A] + line : line)
            footer.lineBytes = line.count
            close(fd)
        }
        try? JournalFiles.appendShared(JournalFormat.footer(id: id, footer), to: indexPath, lock: lockPath)
        return footer
    }
}
