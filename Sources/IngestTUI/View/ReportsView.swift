import Foundation
import IngestModel

enum ReportsView {
    static func draw(_ s: ConsoleState, in r: Rect, into g: inout Grid) {
        let st = s.reports
        // Counters: exact, whatever the ring holds.
        var x = r.x + 1
        x += g.put("✔ delivered \(st.delivered)", x: x, y: r.y, role: .ok) + 3
        x += g.put("✖ failed \(st.failed)", x: x, y: r.y, role: st.failed > 0 ? .error : .muted) + 3
        x += g.put("? unknown \(st.unknown)", x: x, y: r.y, role: st.unknown > 0 ? .warning : .muted) + 3
        g.put("⇡ in flight \(s.inFlight)", x: x, y: r.y, role: .text)

        x = r.x + 1
        x += g.put("rate \(st.rate.perSecond)/s ", x: x, y: r.y + 1, role: .text)
        let sparkWidth = r.width >= 120 ? 30 : 12
        x += g.put(Sparkline.render(st.rate.history(sparkWidth)), x: x, y: r.y + 1, role: .title) + 2
        x += g.put("p50 \(ms(st.latency.percentile(50)))  p99 \(ms(st.latency.percentile(99)))", x: x, y: r.y + 1, role: .text) + 2
        let flags = "\(s.reportsUI.follow ? "follow" : "paused") · \(s.reportsUI.problemsOnly ? "errors only" : "all") · held \(st.held)"
        g.put(flags, x: max(x, r.right - flags.displayWidth - 1), y: r.y + 1, role: .muted)

        let listTop = r.y + 2
        let listRect = Rect(x: r.x, y: listTop, width: r.width, height: r.height - 2)
        let indices: [Int]? = s.reportsUI.problemsOnly ? st.problemIndices() : nil
        let count = indices?.count ?? st.held
        let selected = min(s.reportsUI.selected, max(0, count - 1))
        func absolute(_ i: Int) -> Int { indices?[i] ?? (st.firstHeld + i) }

        if s.reportsUI.detail, count > 0, let rep = st[absolute: absolute(selected)] {
            drawDetail(rep, record: s.reportsUI.detailRecord, in: listRect, into: &g)
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
            cols.draw(rep.report, x: r.x, y: y, into: &g)
            if idx == selected { g.paint(x: r.x, y: y, width: r.width, role: .selection) }
        }
    }

    struct Columns {
        let width: Int
        var wideTime: Bool { width >= 110 }
        var timeWidth: Int { wideTime ? 24 : 13 }

        var header: String {
            " " + "SEQ".leftPadded(toWidth: 8) + " " + "OUTCOME".padded(toWidth: 9) + " " + "PART".leftPadded(toWidth: 4) + " "
                + "OFFSET".leftPadded(toWidth: 10) + " " + "TIME".padded(toWidth: timeWidth) + " " + "LAT ms".leftPadded(toWidth: 8) + " "
                + "ERR".leftPadded(toWidth: 4) + " MESSAGE"
        }

        func draw(_ report: DeliveryReport, x: Int, y: Int, into g: inout Grid) {
            let row = ReportFields(report)
            var cx = x + 1
            cx += g.put(String(report.seq).leftPadded(toWidth: 8) + " ", x: cx, y: y)
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

    static func drawDetail(_ rep: StoredReport, record: DetailRecord?, in r: Rect, into g: inout Grid) {
        let report = rep.report
        let row = ReportFields(report)
        g.box(x: r.x, y: r.y, width: r.width, height: r.height, title: "Record \(report.seq) of send #\(rep.sendID)  (Esc back)")
        let inner = r.width - 4
        var y = r.y + 1
        func field(_ label: String, _ value: String, _ role: Role = .text) {
            guard y < r.bottom - 1 else { return }
            g.put(label.padded(toWidth: 11), x: r.x + 2, y: y, role: .muted)
            g.put(value, x: r.x + 13, y: y, role: role, maxWidth: inner - 11)
            y += 1
        }
        field("outcome", report.outcome.name, row.role)
        field("partition", row.partition.map(String.init) ?? "-")
        field("offset", row.offset.map { String($0) } ?? "-")
        field("timestamp", row.timestamp ?? "-")
        field("latency", report.latencyMilliseconds.map { String(format: "%.2f ms", $0) } ?? "-")
        if row.errorCode != nil || row.message != nil {
            field("error", [row.errorCode.map(String.init), row.message].compactMap { $0 }.joined(separator: " "), .error)
        }
        guard y < r.bottom - 2 else { return }
        g.put("request (as sent)", x: r.x + 2, y: y, role: .title)
        y += 1
        let text: String
        switch record {
        case let detail? where detail.sendID == rep.sendID && detail.seq == report.seq:
            if let record = detail.record {
                text = String(decoding: RecordEncoding.produceRequest(record), as: UTF8.self)
            } else {
                text = detail.fetched ? "(no longer held: the console keeps the latest records and the failed and unknown ones)" : "…"
            }
        default: text = "…"
        }
        for l in hardWrap(text, width: inner) {
            guard y < r.bottom - 1 else { break }
            g.put(l, x: r.x + 2, y: y)
            y += 1
        }
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
