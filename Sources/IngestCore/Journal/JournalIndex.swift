import Foundation

/// Listing runs from the index, and keeping the index true to the run files: a run file the
/// index lacks (the index was lost, or its append failed) is added from the file's own header
/// and footer; a run whose process died before its footer is counted once and given one.
extension JournalStore {
    /// The runs, oldest first (newest last), optionally only those of one profile or topic.
    public func runs(profile: String? = nil, topic: String? = nil) throws -> [JournalRunSummary] {
        var (order, summaries, footers) = try readIndex()
        let files = runFiles()

        // Run files the index does not know: their header (and footer, if any) go into it.
        let orphans = files.subtracting(summaries.keys).compactMap { id -> JournalRunSummary? in
            guard let line = JournalFiles.firstLine(runPath(id)), JournalFormat.isHeader(line), let summary = JournalFormat.summary(header: line),
                  summary.id == id else { return nil }
            return summary
        }
        for summary in orphans.sorted(by: { ($0.startMilliseconds, $0.id) < ($1.startMilliseconds, $1.id) }) {
            let id = summary.id
            let path = runPath(id)
            var lines = JournalFormat.header(id: id, info: summary.info, startMilliseconds: summary.startMilliseconds,
                                             keepValues: summary.keepsValues)
            if let last = JournalFiles.lastLine(path), let footer = JournalFooter(last) {
                footers[id] = footer
                lines += footerLine(id: id, footer, endMilliseconds: Int64(last.int("end_ms") ?? 0), entries: last.int("entries") ?? 0)
            }
            try? JournalFiles.appendShared(lines, to: indexPath, lock: lockPath)
            order.append(id)
            summaries[id] = summary
        }

        var result: [JournalRunSummary] = []
        for id in order where files.contains(id) {
            guard var summary = summaries[id] else { continue }
            if let profile, summary.info.profile != profile { continue }
            if let topic, summary.info.topic != topic { continue }
            let path = runPath(id)
            if let footer = footers[id] {
                footer.apply(to: &summary)
            } else if JournalFiles.hasWriter(path) {
                let counts = try JournalFormat.countEntries(path, startMilliseconds: summary.startMilliseconds)
                (summary.delivered, summary.failed, summary.unknown) = (counts.delivered, counts.failed, counts.unknown)
                summary.state = .running
            } else {
                try recover(id: id, path: path).apply(to: &summary)
            }
            summary.bytes = JournalFiles.size(path)?.bytes ?? 0
            result.append(summary)
        }
        // Stable: runs begun in the same millisecond keep the index's order.
        return result.enumerated().sorted { ($0.element.startMilliseconds, $0.offset) < ($1.element.startMilliseconds, $1.offset) }.map(\.element)
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

    /// The index as written: headers in order, and each run's best footer (one written by the
    /// run itself wins over one a reader wrote for it).
    func readIndex() throws -> (order: [String], summaries: [String: JournalRunSummary], footers: [String: JournalFooter]) {
        var order: [String] = []
        var summaries: [String: JournalRunSummary] = [:]
        var footers: [String: JournalFooter] = [:]
        try JournalFiles.readLines(indexPath) { line in
            if JournalFormat.isHeader(line), let summary = JournalFormat.summary(header: line) {
                if let known = summaries[summary.id] {
                    // The same run added twice (two readers rebuilt it) or an id reused after its run was pruned.
                    if known.startMilliseconds != summary.startMilliseconds { footers[summary.id] = nil }
                } else {
                    order.append(summary.id)
                }
                summaries[summary.id] = summary
            } else if let footer = JournalFooter(line), let id = line.string("run") {
                if let known = footers[id], !known.recovered, footer.recovered { return }
                footers[id] = footer
            }
        }
        return (order, summaries, footers)
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
            let line = footerLine(id: id, footer, endMilliseconds: Int64(last.int("end_ms") ?? 0), entries: last.int("entries") ?? 0)
            try? JournalFiles.appendShared(line, to: indexPath, lock: lockPath)
            return footer
        }
        let start = Int64(JournalFiles.firstLine(path)?.int("start_ms") ?? 0)
        let counts = try JournalFormat.countEntries(path, startMilliseconds: start)
        let footer = JournalFooter(delivered: counts.delivered, failed: counts.failed, unknown: counts.unknown,
                                   stopReason: "the process ended before the run did (killed?)", recovered: true)
        let line = footerLine(id: id, footer, endMilliseconds: counts.lastMilliseconds, entries: counts.delivered + counts.failed + counts.unknown)
        let fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
        if fd >= 0 {
            JournalFiles.write(fd, JournalFiles.endsWithNewline(fd) ? line : [0x0A] + line)
            close(fd)
        }
        try? JournalFiles.appendShared(line, to: indexPath, lock: lockPath)
        return footer
    }

    func footerLine(id: String, _ footer: JournalFooter, endMilliseconds: Int64, entries: Int) -> [UInt8] {
        JournalFormat.footer(id: id, endMilliseconds: endMilliseconds, delivered: footer.delivered, failed: footer.failed,
                             unknown: footer.unknown, entries: entries, stopReason: footer.stopReason, recovered: footer.recovered)
    }
}
