import IngestModel

extension Update {
    // MARK: stopping and quitting

    /// How long quitting waits for the outcomes of a stopped send's records in flight.
    public static let quitDrainSeconds = 10.0

    /// Stops a send: no more records are read; those in flight still get their outcomes.
    static func stopSend(_ s: inout ConsoleState, _ id: Int) -> [Effect] {
        if let i = s.sends.firstIndex(where: { $0.id == id }), s.sends[i].phase == .running {
            s.sends[i].phase = .stopped
        }
        setStatus(&s, "send #\(id) stopping: waiting for the outcomes of the records in flight", .warning)
        return [.cancelSend(id: id)]
    }

    /// `q` or Ctrl-C. With a send running it asks first (`force` does not: a signal); then
    /// the send is stopped and the console quits once its records in flight have their
    /// outcomes, or after `quitDrainSeconds`.
    static func quit(_ s: inout ConsoleState, force: Bool = false) -> [Effect] {
        guard let run = s.runningSend else { return finishQuit(&s) }
        if !force {
            s.modal = .confirmQuit(sendID: run.id)
            return []
        }
        let effects = stopDoctor(&s, quietly: true) + stopSend(&s, run.id)
        s.modal = nil
        s.drainingUntil = s.now + quitDrainSeconds
        setStatus(&s, "quitting: send #\(run.id) stopped, waiting up to \(Int(quitDrainSeconds)) s for its \(run.inFlight) records in flight (q again quits now)", .warning)
        return effects + checkDrained(&s)
    }

    /// Quits now.
    static func finishQuit(_ s: inout ConsoleState) -> [Effect] {
        s.quitting = true
        var effects = stopDoctor(&s, quietly: true)
        if let p = s.active { effects.append(.saveDraft(profile: p.name, ComposeDraft(s))) }
        for send in s.sends where !send.ended { effects.append(.cancelSend(id: send.id)) }
        return effects + [.quit]
    }

    /// While quitting: once no stopped send waits for outcomes (or time is up), quit.
    static func checkDrained(_ s: inout ConsoleState) -> [Effect] {
        guard let until = s.drainingUntil, !s.quitting else { return [] }
        if s.sends.allSatisfy(\.ended) || s.now >= until { return finishQuit(&s) }
        return []
    }
}
