import IngestModel

extension Update {
    // MARK: doctor

    /// A new run of the connection doctor on the active profile (and Compose's topic); a run
    /// still going is cancelled first. Waits for a profile being activated.
    static func startDoctor(_ s: inout ConsoleState) -> [Effect] {
        let effects = stopDoctor(&s, quietly: true)
        s.doctor.steps = []
        s.doctor.waiting = false
        guard let p = s.active, s.activating == nil else {
            s.doctor.phase = .idle
            s.doctor.profile = nil
            s.doctor.topic = nil
            if s.activating != nil {
                s.doctor.waiting = true
            } else {
                setStatus(&s, "no active profile: pick one in Profiles (3)", .error)
            }
            return effects
        }
        s.doctor.run += 1
        s.doctor.phase = .running
        s.doctor.profile = p.name
        s.doctor.topic = s.fullTopic
        return effects + [.doctor(run: s.doctor.run, profile: p.name, topic: s.fullTopic)]
    }

    /// Cancels a run still going; its checks so far stay on screen, marked stopped.
    static func stopDoctor(_ s: inout ConsoleState, quietly: Bool = false) -> [Effect] {
        s.doctor.waiting = false
        guard s.doctor.phase == .running else { return [] }
        s.doctor.phase = .stopped
        if !quietly { setStatus(&s, "doctor stopped; it runs again when you come back (7)", .muted) }
        return [.cancelDoctor(run: s.doctor.run)]
    }
}
