import Foundation
import IngestModel

enum ReportsView {
    static func draw(_ s: ConsoleState, in r: Rect, into g: inout Grid) {
        let st = s.reports
        let indices: [Int]? = s.reportsUI.problemsOnly ? st.problemIndices() : nil
        let count = indices?.count ?? st.held
        let selected = min(s.reportsUI.selected, max(0, count - 1))
        func absolute(_ i: Int) -> Int { indices?[i] ?? (st.firstHeld + i) }

        // The session's counters (exact, whatever the ring holds), then the send the selected
        // row belongs to (the latest when there are no rows): its own counts and percentiles.
        var x = r.x + 1
        x += g.put("session ", x: x, y: r.y, role: .muted)
        x += g.put("✔ delivered \(st.delivered)", x: x, y: r.y, role: .ok) + 3
        x += g.put("✖ failed \(st.failed)", x: x, y: r.y, role: st.failed > 0 ? .error : .muted) + 3
        x += g.put("? unknown \(st.unknown)", x: x, y: r.y, role: st.unknown > 0 ? .warning : .muted) + 3
        g.put("⇡ in flight \(s.inFlight)", x: x, y: r.y, role: .text)
        let shownSend = (count > 0 ? st[absolute: absolute(selected)]?.sendID : nil) ?? s.sends.last?.id
        if let send = s.sends.first(where: { $0.id == shownSend }) { drawSendLine(send, x: r.x + 1, y: r.y + 1, width: r.width - 2, into: &g) }

        x = r.x + 1
        x += g.put("rate \(st.rate.perSecond)/s ", x: x, y: r.y + 2, role: .text)
        let sparkWidth = r.width >= 120 ? 30 : 12
        x += g.put(Sparkline.render(st.rate.history(sparkWidth)), x: x, y: r.y + 2, role: .title) + 2
        x += g.put("session p50 \(ms(st.latency.percentile(50)))  p99 \(ms(st.latency.percentile(99)))", x: x, y: r.y + 2, role: .muted) + 2
        let flags = "\(s.reportsUI.follow ? "follow" : "paused") · \(s.reportsUI.problemsOnly ? "errors only" : "all")"
        let withHeld = flags + " · held \(st.held)"
        let shownFlags = x + withHeld.displayWidth + 1 <= r.right ? withHeld : flags
        g.put(shownFlags, x: max(x, r.right - shownFlags.displayWidth - 1), y: r.y + 2, role: .muted, maxWidth: max(0, r.right - x))

        let listTop = r.y + 3
        let listRect = Rect(x: r.x, y: listTop, width: r.width, height: r.height - 3)
        if s.reportsUI.detail, count > 0, let rep = st[absolute: absolute(selected)] {
            drawDetail(s, rep, in: listRect, into: &g)
            return
        }

        let cols = Columns(width: r.width)
        g.put(cols.header, x: r.x, y: listTop, role: .title)
        let rows = listRect.height - 1
        guard count > 0 else {
            let msg = s.reportsUI.problemsOnly ? "no failed or unknown records" : "no reports yet: compose an event (1) and send it (s)"
            g.put(msg, x: r.x + 2, y: listTop + 2, role: .muted)
            return
        }
        let first = max(0, min(selected - rows / 2, count - rows))
        for i in 0..<min(rows, count - first) {
            let idx = first + i
            guard let rep = st[absolute: absolute(idx)] else { continue }
            let y = listTop + 1 + i
            cols.draw(rep, x: r.x, y: y, into: &g)
            if idx == selected { g.paint(x: r.x, y: y, width: r.width, role: .selection) }
        }
    }

    struct Columns {
        let width: Int
        var wideTime: Bool { width >= 110 }
        var timeWidth: Int { wideTime ? 24 : 13 }

        var header: String {
            " " + "SEND".leftPadded(toWidth: 5) + " " + "SEQ".leftPadded(toWidth: 7) + " " + "OUTCOME".padded(toWidth: 9) + " " + "PART".leftPadded(toWidth: 4) + " "
                + "OFFSET".leftPadded(toWidth: 10) + " " + "TIME".padded(toWidth: timeWidth) + " " + "LAT ms".leftPadded(toWidth: 8) + " "
                + "ERR".leftPadded(toWidth: 4) + " MESSAGE"
        }

        func draw(_ stored: StoredReport, x: Int, y: Int, into g: inout Grid) {
            let report = stored.report
            let row = ReportFields(report)
            var cx = x + 1
            cx += g.put(("#" + String(stored.sendID)).leftPadded(toWidth: 5) + " ", x: cx, y: y, role: .muted)
            cx += g.put(String(report.seq).leftPadded(toWidth: 7) + " ", x: cx, y: y)
            cx += g.put(report.outcome.name.padded(toWidth: 9) + " ", x: cx, y: y, role: row.role)
            cx += g.put((row.partition.map(String.init) ?? "-").leftPadded(toWidth: 4) + " ", x: cx, y: y)
            cx += g.put((row.offset.map { String($0) } ?? "-").leftPadded(toWidth: 10) + " ", x: cx, y: y)
            var ts = row.timestamp ?? "-"
            if !wideTime, let t = ts.firstIndex(of: "T") { ts = String(ts[ts.index(after: t)...]) }
            cx += g.put(ts.padded(toWidth: timeWidth) + " ", x: cx, y: y, role: .muted)
            cx += g.put((report.latencyMilliseconds.map { String(format: "%.1f", $0) } ?? "-").leftPadded(toWidth: 8) + " ", x: cx, y: y)
            cx += g.put((row.errorCode.map(String.init) ?? "").leftPadded(toWidth: 4) + " ", x: cx, y: y, role: .error)
            g.put(row.message ?? "", x: cx, y: y, role: report.outcome.isDelivered ? .muted : .error, maxWidth: width - cx)
        }
    }

    /// One record: its report (errors in full, wrapped), then the record as it was sent —
    /// the REST request for REST sends, the Kafka record for native ones. Scrolls.
    static func drawDetail(_ s: ConsoleState, _ rep: StoredReport, in r: Rect, into g: inout Grid) {
        let report = rep.report
        let inner = r.width - 4
        g.box(x: r.x, y: r.y, width: r.width, height: r.height, title: "Record \(report.seq) of send #\(rep.sendID)  (Esc back, ↑/↓ scroll, y copies the value)")
        let lines = detailLines(s, rep, width: inner)
        let rows = r.height - 2
        let top = min(s.reportsUI.detailScroll, max(0, lines.count - rows))
        for (i, line) in lines.dropFirst(top).prefix(rows).enumerated() {
            g.put(line.text, x: r.x + 2, y: r.y + 1 + i, role: line.role, maxWidth: inner)
        }
        if top > 0 { g.put("↑", x: r.right - 1, y: r.y + 1, role: .muted) }
        if top + rows < lines.count { g.put("↓", x: r.right - 1, y: r.bottom - 2, role: .muted) }
    }

    static func detailLines(_ s: ConsoleState, _ rep: StoredReport, width: Int) -> [(text: String, role: Role)] {
        let report = rep.report
        let row = ReportFields(report)
        var out: [(text: String, role: Role)] = []
        func field(_ label: String, _ value: String, _ role: Role = .text) {
            for (i, l) in wrap(value, width: max(1, width - 11)).enumerated() {
                out.append(((i == 0 ? label : "").padded(toWidth: 11) + l, role))
            }
        }
        field("outcome", report.outcome.name, row.role)
        field("partition", row.partition.map(String.init) ?? "-")
        field("offset", row.offset.map { String($0) } ?? "-")
        field("timestamp", row.timestamp ?? "-")
        field("latency", report.latencyMilliseconds.map { String(format: "%.2f ms", $0) } ?? "-")
        if row.errorCode != nil || row.message != nil {
            field("error", [row.errorCode.map(String.init), row.message].compactMap { $0 }.joined(separator: " "), .error)
        }
        out.append(("", .text))
        let transport = s.sends.first { $0.id == rep.sendID }?.request.plan.transport ?? .rest(.single)
        out.append((transport == .native ? "Kafka record (as produced)" : "REST request (as sent)", .title))
        switch s.reportsUI.detailRecord {
        case let detail? where detail.sendID == rep.sendID && detail.seq == report.seq:
            if let record = detail.record {
                out += RecordText.lines(record, transport: transport, partition: row.partition).flatMap { hardWrap($0, width: width) }.map { ($0, .text) }
            } else {
                let why = detail.fetched ? "(no longer held: the console keeps the latest records and the failed and unknown ones)" : "…"
                out += wrap(why, width: width).map { ($0, .muted) }
            }
        default: out.append(("…", .muted))
        }
        return out
    }

    /// One send: its own counters, how far it got, its own latency percentiles and its state.
    static func drawSendLine(_ send: SendRecord, x: Int, y: Int, width: Int, into g: inout Grid) {
        var cx = x
        let end = x + width
        func put(_ text: String, _ role: Role) { cx += g.put(text, x: cx, y: y, role: role, maxWidth: max(0, end - cx)) }
        put("send #\(send.id) ", .title)
        put("✔ \(send.delivered)", .ok)
        put("  ✖ \(send.failed)", send.failed > 0 ? .error : .muted)
        put("  ? \(send.unknown)", send.unknown > 0 ? .warning : .muted)
        put("  ⇡ \(send.inFlight)", .text)
        if let total = send.total { put(" of \(total)", .muted) }
        let state: (String, Role) = switch send.phase {
        case .running: ("running", .title)
        case .finished: ("finished", send.failed + send.unknown > 0 ? .warning : .ok)
        case .stopped: (send.notSent.map { "stopped, \($0) not sent" } ?? "stopped", .warning)
        case .failed: ("failed", .error)
        }
        put("  " + state.0, state.1)
        put("  p50 \(ms(send.percentile(50)))  p99 \(ms(send.percentile(99)))", .text)
    }

    static func ms(_ v: Double?) -> String {
        guard let v else { return "-" }
        return v < 10 ? String(format: "%.1fms", v) : String(format: "%.0fms", v)
    }
}

/// A report's fields as the columns show them.
struct ReportFields {
    var partition: Int?
    var offset: Int64?
    var timestamp: String?
    var errorCode: Int?
    var message: String?
    var role: Role

    init(_ report: DeliveryReport) {
        switch report.outcome {
        case .delivered(let partition, let offset, let timestamp):
            self.partition = partition
            self.offset = offset
            self.timestamp = timestamp
            role = .ok
        case .failed(let code, let message):
            errorCode = code
            self.message = message
            role = .error
        case .unknown(let message):
            self.message = message
            role = .warning
        }
    }
}
