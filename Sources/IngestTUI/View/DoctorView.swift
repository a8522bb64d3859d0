import IngestModel

/// The connection doctor (`ingest doctor` in the console): each check as it arrives with its
/// mark, and at the first failure what to do, highlighted.
enum DoctorView {
    static let nameWidth = 20

    static func draw(_ s: ConsoleState, in r: Rect, into g: inout Grid) {
        let d = s.doctor
        let who = s.active.map { "profile \($0.name), \($0.baseURL)" } ?? "no active profile"
        g.put("Doctor  " + who, x: r.x + 1, y: r.y, role: .title, maxWidth: r.width - 2)
        // The last line of the body explains the keys; checks use the rows above it.
        let hintY = r.bottom - 1
        let last = hintY - 1
        var y = r.y + 2
        if d.waiting, let name = s.activating {
            g.put("waiting for profile \(name) to be active…", x: r.x + 2, y: y, role: .muted, maxWidth: r.width - 4)
            return
        }
        if d.phase == .idle, d.steps.isEmpty {
            if s.active == nil {
                g.put("no active profile: pick one in Profiles (3)", x: r.x + 2, y: y, role: .warning, maxWidth: r.width - 4)
            } else {
                g.put("r runs the checks: DNS, TCP, TLS, API key, cluster, brokers, broker reach,", x: r.x + 2, y: y, role: .muted, maxWidth: r.width - 4)
                g.put("Kafka login and Compose's topic, stopping at the first failure.", x: r.x + 2, y: y + 1, role: .muted, maxWidth: r.width - 4)
            }
            return
        }

        let detailX = r.x + 4 + nameWidth + 1
        let detailWidth = max(10, r.right - detailX - 1)
        let adviceWidth = r.width - 9
        func adviceLines(_ step: DoctorCheck) -> [String] {
            guard step.status == .fail, let advice = step.advice else { return [] }
            // "→ " and a hanging indent under it.
            return wrap(advice, width: adviceWidth).enumerated().map { ($0.offset == 0 ? "→ " : "  ") + $0.element }
        }
        // Details wrap when every check fits that way (a blank line and the summary below);
        // otherwise only a failure's detail does, the others end in "…".
        let wrappedRows = d.steps.reduce(0) { $0 + wrap($1.detail, width: detailWidth).count + adviceLines($1).count }
        let wrapAll = wrappedRows + 2 <= last - y + 1
        for step in d.steps {
            guard y < last else { break }
            let (mark, role): (String, Role) = switch step.status {
            case .pass: ("✔", .ok)
            case .fail: ("✖", .error)
            case .skip: ("–", .muted)
            }
            g.put(mark, x: r.x + 2, y: y, role: role)
            g.put(step.name.padded(toWidth: nameWidth), x: r.x + 4, y: y, role: step.status == .skip ? .muted : .text)
            let detailRole: Role = step.status == .pass ? .text : role
            let lines = wrapAll || step.status == .fail
                ? wrap(step.detail, width: detailWidth)
                : [step.detail.replacingNewlines.truncated(toWidth: detailWidth)]
            for (k, line) in lines.enumerated() {
                if k > 0 { y += 1 }
                guard y < last else { break }
                g.put(line, x: detailX, y: y, role: detailRole)
            }
            y += 1
            // What to do: the line the operator came for, highlighted across the view.
            for line in adviceLines(step) {
                guard y < last else { break }
                g.put(" " + line.padded(toWidth: adviceWidth + 2) + " ", x: r.x + 3, y: y, role: .warning)
                y += 1
            }
        }
        y += 1
        if y <= last {
            switch d.phase {
            case .running: g.put("running…", x: r.x + 4, y: y, role: .muted)
            case .stopped: g.put("stopped when you left the view", x: r.x + 4, y: y, role: .muted)
            case .finished:
                if let failed = d.failure {
                    g.put("stopped at \(failed.name): the checks after it were not run", x: r.x + 4, y: y, role: .error, maxWidth: r.width - 6)
                } else {
                    let passed = d.steps.filter { $0.status == .pass }.count
                    g.put("\(passed) passed, \(d.steps.count - passed) skipped, none failed", x: r.x + 4, y: y, role: .ok, maxWidth: r.width - 6)
                }
            case .idle: break
            }
        }
        let hint = d.phase == .running ? "leaving the view stops the checks" : "r runs the checks again"
        g.put(hint, x: r.x + 2, y: hintY, role: .muted, maxWidth: r.width - 4)
    }
}
