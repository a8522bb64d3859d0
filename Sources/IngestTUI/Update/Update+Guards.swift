import Foundation
import IngestModel

extension Update {
    // MARK: what a profile asks of a send: its limits, a reason, a confirmation

    /// The profile's limits (a refusal names the limit; nothing is sent), then its reason,
    /// then the confirmation, then the send.
    static func guardSend(_ s: inout ConsoleState, _ request: SendRequest) -> [Effect] {
        guard let profile = s.active, profile.name == request.profile else {
            setStatus(&s, "the active profile changed: nothing sent", .warning)
            return []
        }
        if let refusal = limitRefusal(request, profile) {
            setStatus(&s, refusal, .error)
            return []
        }
        if profile.limits.requireReason, (request.reason ?? "").trimmed.isEmpty {
            s.modal = .reason(input: TextBuffer(""), pending: request)
            return []
        }
        return confirmSend(&s, request)
    }

    /// The first of the profile's limits the send breaks (`SendLimits`, as `ingest send`
    /// checks them), said as the console would: nil when it is within them. The reason is
    /// asked for, never refused.
    static func limitRefusal(_ request: SendRequest, _ profile: ProfileSummary) -> String? {
        var limits = profile.limits
        limits.requireReason = false
        if let most = limits.maxRecordsPerSend, request.records == nil {
            return "refused by profile \(profile.name)'s limit max_records_per_send = \(most): this file is not counted yet "
                + "(l in Load counts it, then s sends it); nothing was sent"
        }
        return limits.refusal(for: SendLimits.Request(topic: request.topic, records: request.records, reason: nil), profile: profile.name)?.description
    }

    /// Whether a confirmation given before still holds (`confirm_idle_minutes`): a send started
    /// or ended through this profile within that time.
    static func confirmationHolds(_ s: ConsoleState) -> Bool {
        guard let profile = s.active else { return false }
        return profile.limits.confirmationHolds(lastActivity: s.lastSendAt.map(Date.init(timeIntervalSinceReferenceDate:)),
                                                now: Date(timeIntervalSinceReferenceDate: s.now))
    }

    /// Production: every send shows what will go and needs the full topic typed back;
    /// `typed-first` relaxes that to y/N for one record to a topic typed back in this session,
    /// while the profile's `confirm_idle_minutes` have not passed. Elsewhere a send starts at
    /// once, unless those minutes passed since the last one (y/N).
    static func confirmSend(_ s: inout ConsoleState, _ request: SendRequest) -> [Effect] {
        guard let profile = s.active else { return [] }
        let fresh = confirmationHolds(s)
        if s.isProduction {
            if profile.productionConfirm == .typedFirst, request.records == 1, s.productionTypedTopics.contains(request.topic), fresh {
                s.modal = .confirmProductionSingle(pending: request)
            } else {
                s.modal = .confirmProduction(input: TextBuffer(""), pending: request, error: nil)
                if let minutes = profile.limits.confirmIdleMinutes, !s.productionTypedTopics.isEmpty, !fresh {
                    setStatus(&s, "\(minutes) minutes or more without a send through \(profile.name): type the topic afresh", .warning)
                }
            }
            return []
        }
        if let minutes = profile.limits.confirmIdleMinutes, !fresh {
            s.modal = .confirmIdle(pending: request, minutes: minutes)
            return []
        }
        return startSend(&s, request)
    }

    /// The reason and the idle question.
    static func handleGuardKey(_ s: inout ConsoleState, _ key: Key) -> [Effect] {
        switch s.modal {
        case .reason(var input, var pending)?:
            switch key {
            case .escape:
                s.modal = nil
                setStatus(&s, "no reason given: nothing sent", .warning)
            case .enter:
                let reason = input.text.trimmed
                guard !reason.isEmpty else {
                    setStatus(&s, "type why this send is made (it is kept in the journal), or Esc to cancel", .warning)
                    return []
                }
                s.modal = nil
                pending.reason = reason
                return confirmSend(&s, pending)
            default:
                if edit(&input, key) { s.modal = .reason(input: input, pending: pending) }
            }
        case .confirmIdle(let pending, _)?:
            // Default No: only y sends.
            switch defaultNo(key) {
            case true?:
                s.modal = nil
                return startSend(&s, pending)
            case false?:
                s.modal = nil
                setStatus(&s, "send cancelled: nothing sent", .warning)
            case nil: break
            }
        default: break
        }
        return []
    }
}
