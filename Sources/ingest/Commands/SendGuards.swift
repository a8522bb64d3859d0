import Foundation
import IngestCore

/// What a profile allows a send to do, checked before anything is opened.
enum SendGuards {
    /// The profile's `[limits]`: a refusal names the limit; nothing is sent. A reason the
    /// profile requires is asked at a terminal when `--reason` was not given. Returns the
    /// reason to keep in the journal.
    static func checkLimits(_ profile: Profile, plan: SendPlan, reason given: String?) throws -> String? {
        let limits = profile.limits
        var reason = Self.reason(given)
        guard !limits.isEmpty else { return reason }
        // A --duration run without --count has no size known in advance.
        var records = plan.source.knownCount.flatMap { $0 == Int.max ? nil : $0 }
        // A file's records are counted first (streamed, bounded memory) so a refusal sends nothing.
        if records == nil, plan.options.durationSeconds == nil, limits.maxRecordsPerSend != nil, case .file = plan.source {
            records = try count(plan)
        }
        if limits.requireReason, reason == nil, TerminalPrompt.available {
            reason = Self.reason(TerminalPrompt.ask("profile \(profile.name) requires a reason for every send (kept in the journal): "))
        }
        let request = SendLimits.Request(topic: plan.topic, records: records, reason: reason)
        if let refusal = limits.refusal(for: request, profile: profile.name) { throw refusal }
        return reason
    }

    /// Trimmed; nil when empty.
    static func reason(_ given: String?) -> String? {
        let text = (given ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }

    static func count(_ plan: SendPlan) throws -> Int {
        let source = try Sender.source(plan.source)
        var count = 0
        while try source.next() != nil { count += 1 }
        return count
    }
}

/// A send to production needs the full topic name typed back: on the command line with
/// `--confirm-production`, or at a terminal prompt. Nothing is sent otherwise.
enum ProductionGuard {
    struct Refusal: Error, CustomStringConvertible {
        let description: String
    }

    static func check(_ profile: Profile, topic: String, confirmation: String?) throws {
        guard profile.environment == .production else { return }
        if let confirmation {
            guard confirmation == topic else {
                throw Refusal(description: "--confirm-production \(confirmation) does not match the topic \(topic); nothing was sent")
            }
            return
        }
        guard TerminalPrompt.available else {
            throw Refusal(description: "profile \(profile.name) is PRODUCTION: add --confirm-production \(topic) to send; nothing was sent")
        }
        let typed = TerminalPrompt.ask("PRODUCTION (\(profile.name)): type the topic name \(topic) to send, anything else cancels: ")
        guard typed == topic else { throw Refusal(description: "not confirmed; nothing was sent") }
    }
}
