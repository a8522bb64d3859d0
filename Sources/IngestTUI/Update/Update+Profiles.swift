import IngestModel

extension Update {
    // MARK: profiles

    static func profilesLoaded(_ s: inout ConsoleState, _ list: [ProfileSummary]) -> [Effect] {
        s.profiles = list
        s.profilesLoaded = true
        guard s.active == nil, s.activating == nil else { return [] }
        guard let i = list.firstIndex(where: { $0.name == s.requestedProfile }) else {
            s.view = .profiles
            setStatus(&s, "profile \"\(s.requestedProfile)\" not found: pick one", .error)
            return []
        }
        s.profileSelection = i
        return activate(&s, list[i])
    }

    static func activate(_ s: inout ConsoleState, _ p: ProfileSummary) -> [Effect] {
        let asking = (p.needsPromptedSecret ? [PromptedSecret.apiKey] : []) + (p.needsPromptedKafkaPassword ? [.kafkaPassword] : [])
        // New secrets rebuild the profile's connections, which would cut a send going through them.
        if !asking.isEmpty, let run = s.runningSend, run.request.profile == p.name {
            setStatus(&s, "send #\(run.id) is running through \(p.name): stop it (x) or let it finish before its secrets are asked again", .warning)
            return []
        }
        if !asking.isEmpty {
            s.modal = .secret(profile: p.name, asking: asking, answered: PromptedSecrets(), input: TextBuffer(""))
            return []
        }
        s.activating = p.name
        return [.activate(profile: p.name, prompted: PromptedSecrets())]
    }

    /// A profile's draft from an earlier session: put back unless the operator has changed
    /// anything since the profile became active. Production's topic is never put back.
    static func draftLoaded(_ s: inout ConsoleState, _ profile: String, _ draft: ComposeDraft?) -> [Effect] {
        guard let wait = s.draftAwaited, wait.profile == profile else { return [] }
        s.draftAwaited = nil
        guard let draft, s.active?.name == profile, ComposeDraft(s) == wait.before else { return [] }
        draft.restore(into: &s, topicToo: !s.isProduction)
        return resolveTopic(&s) + refreshCompose(&s)
    }

    /// A question about a send made under another profile no longer holds.
    static func dropPendingSend(_ s: inout ConsoleState) -> [Effect] {
        switch s.modal {
        case .confirmProduction?, .confirmProductionSingle?, .confirmResend?, .reason?, .confirmIdle?, .copyAs?:
            s.modal = nil
            setStatus(&s, "the active profile changed: the send waiting for confirmation was dropped; nothing sent", .warning)
        default: break
        }
        return []
    }

    static func activated(_ s: inout ConsoleState, _ name: String, _ result: Result<ProfileSummary, ServiceFailure>) -> [Effect] {
        if s.activating == name { s.activating = nil }
        switch result {
        case .success(let p):
            let previous = s.active
            let changed = previous?.name != p.name
            // Asked its secrets again: its connections were rebuilt, so what the old ones found goes.
            let reopened = !changed && (p.needsPromptedSecret || p.needsPromptedKafkaPassword)
            s.active = p
            var effects: [Effect] = []
            if changed {
                // The profile left keeps its draft; this one's comes back (`draftLoaded`).
                if let previous { effects.append(.saveDraft(profile: previous.name, ComposeDraft(s))) }
                s.productionTypedTopics = []
                s.lastSendAt = nil
                effects += dropPendingSend(&s)
            }
            if changed || reopened {
                s.discovery = DiscoveryState()
                let waiting = s.doctor.waiting
                effects += stopDoctor(&s, quietly: true)
                s.doctor = DoctorState(run: s.doctor.run, waiting: waiting || s.view == .doctor)
            }
            if let i = s.profiles.firstIndex(where: { $0.name == p.name }) { s.profileSelection = i }
            // The sandbox starts with a topic, so a first send is one key away.
            if s.compose.topic.text.isEmpty, let suggested = p.suggestedTopic {
                s.compose.topic = TextBuffer(suggested)
            }
            if p.environment == .production {
                setStatus(&s, "PRODUCTION profile \(p.name) active: every send asks you to type the topic back", .warning)
            } else {
                setStatus(&s, "profile \(p.name) active", .ok)
            }
            if changed {
                s.draftAwaited = DraftWait(profile: p.name, before: ComposeDraft(s))
                effects.append(.loadDraft(profile: p.name))
            }
            // A Doctor view waiting for this profile runs once the topic is resolved.
            return effects + resolveTopic(&s)
        case .failure(let f):
            if s.activating == nil { s.doctor.waiting = false }
            setStatus(&s, "profile \(name): \(f.message)", .error)
            return []
        }
    }
}
