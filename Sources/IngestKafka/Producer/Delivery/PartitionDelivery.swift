/// The delivery rules of one partition's batches, as a value type: each event (a batch to
/// send, a broker's answer, a timer, a new identity) goes in, and the actions the engine must
/// perform come out (send, wait, finish, refresh metadata, get a new identity). The engine
/// does the I/O; every decision about retrying, sequence numbers, outcomes and deadlines is
/// taken here, so it can be tested case by case without sockets.
///
/// With idempotence up to `maxInFlight` (at most 5, what a broker deduplicates) batches are in
/// flight, numbered consecutively. The rules follow the Java client and librdkafka:
/// - a batch the broker stored is finished; outcomes are given in batch order;
/// - a retriable refusal or a lost answer stops new sends until every batch in flight has
///   answered (drain), then the unfinished batches go again, in order, with their sequence
///   numbers: a batch that was stored after all is recognized by the broker as a duplicate;
///   OUT_OF_ORDER_SEQUENCE_NUMBER behind an earlier failed batch is such a retry;
/// - a batch refused for good was not stored, nor anything after it (the broker accepts only
///   the next sequence number): the batches after it are numbered again from its first one;
/// - a batch whose outcome is unknown (it may be stored) leaves a hole the broker cannot see:
///   the partition takes a new identity and numbers from 0; batches after it that may have
///   been written too cannot be retried without risking a duplicate, so they are unknown;
/// - OUT_OF_ORDER_SEQUENCE_NUMBER, UNKNOWN_PRODUCER_ID or INVALID_PRODUCER_EPOCH for the first
///   batch in line means the broker lost or changed our state: a batch that was never written
///   before goes again under a new identity, one that may have been is unknown;
/// - a retry that would end after the batch's deadline gives its outcome instead: unknown if
///   some attempt may have been stored, otherwise failed with the broker's last refusal.
/// Without idempotence one batch is in flight, and a batch whose request may have reached the
/// broker is unknown at once (a retry could store it twice).
struct PartitionDelivery: Sendable {
    private enum Stage: Sendable, Equatable {
        /// Waiting to be written (first time, or again after a drain).
        case waiting
        /// Written; its answer is awaited.
        case sent
        /// Answered with something retriable; goes again once the partition has drained.
        case retry
        /// Has its outcome; finished when the batches before it are.
        case done(Outcome)
    }

    private struct Entry: Sendable {
        let id: BatchID
        let count: Int32
        let deadline: ContinuousClock.Instant
        var sequence: Int32 = -1
        var stage = Stage.waiting
        var attempts = 0
        /// Some attempt may have been stored (a lost answer after writing, a broker timeout).
        var mayHaveBeenWritten = false
        var lastProblem = "no attempt made"
        /// The broker's last refusal, when the last problem was one.
        var lastCode: Int16?
    }

    let topic: String
    let partition: Int32
    private var topicPartition: String { "\(topic)-\(partition)" }
    private(set) var idempotent: Bool
    private(set) var maxInFlight: Int
    let retryBackoff: Duration
    let deliveryTimeout: Duration

    private var entries: [Entry] = []
    private(set) var identity: ProducerIdentity?
    private var nextSequence: Int32 = 0
    /// The sequence numbers from here on are not known to the broker: renumber before sending.
    private var renumberFrom: Int32?
    /// The partition must move to a newer identity before it sends again.
    private var needsNewIdentity = false
    private var identityRequested = false
    private var retryTimerRunning = false
    /// The backoff has passed since the last failure: retries may go.
    private var backedOff = false

    init(
        topic: String, partition: Int32, idempotent: Bool, maxInFlight: Int, retryBackoff: Duration, deliveryTimeout: Duration,
        identity: ProducerIdentity?
    ) {
        self.topic = topic
        self.partition = partition
        self.idempotent = idempotent
        self.maxInFlight = idempotent ? min(max(maxInFlight, 1), 5) : 1
        self.retryBackoff = retryBackoff
        self.deliveryTimeout = deliveryTimeout
        self.identity = identity
    }

    /// Batches taken and not finished yet.
    var unfinished: Int { entries.count }
    private var sentCount: Int { entries.reduce(0) { $0 + ($1.stage == .sent ? 1 : 0) } }
    private var hasRetry: Bool { entries.contains { $0.stage == .retry } }

    // MARK: events

    /// A batch of `count` records, whose first record came at `enqueuedAt`, is ready to go.
    mutating func add(_ id: BatchID, count: Int, enqueuedAt: ContinuousClock.Instant, now: ContinuousClock.Instant) -> [Action] {
        entries.append(Entry(id: id, count: Int32(clamping: count), deadline: enqueuedAt + deliveryTimeout))
        if idempotent, renumberFrom == nil, !needsNewIdentity, identity != nil {
            entries[entries.count - 1].sequence = nextSequence
            nextSequence = Self.advance(nextSequence, by: entries[entries.count - 1].count)
        } else if idempotent, renumberFrom == nil, !needsNewIdentity {
            renumberFrom = 0  // numbered once an identity comes
        }
        return proceed(now: now)
    }

    /// The broker answered (or did not) the request written for `id`.
    mutating func answered(_ id: BatchID, _ answer: Answer, now: ContinuousClock.Instant) -> [Action] {
        guard let index = entries.firstIndex(where: { $0.id == id }), entries[index].stage == .sent else { return [] }
        var actions: [Action] = []
        // OUT_OF_ORDER_SEQUENCE_NUMBER is expected behind a batch that did not make it.
        let gapBefore = entries[..<index].contains { if case .done = $0.stage { false } else { true } }
            || renumberFrom != nil || needsNewIdentity
        switch answer {
        case .stored(let baseOffset, let logAppendTimeMs):
            entries[index].stage = .done(.delivered(baseOffset: baseOffset, logAppendTimeMs: logAppendTimeMs))
        case .refused(let code, let message):
            actions += refused(index, code: code, message: message, gapBefore: gapBefore)
        case .lost(let problem, let mayHaveReachedBroker):
            entries[index].lastProblem = problem
            entries[index].lastCode = nil
            if mayHaveReachedBroker {
                entries[index].mayHaveBeenWritten = true
                if !idempotent {
                    entries[index].stage = .done(.unknown("request for \(topicPartition) written, then: \(problem); retrying could duplicate"))
                    break
                }
            }
            entries[index].stage = .retry
            actions.append(.refreshMetadata)
        case .notSent(let problem):
            entries[index].lastProblem = problem
            entries[index].lastCode = nil
            entries[index].stage = .retry
            actions.append(.refreshMetadata)
        case .unreadable(let problem):
            entries[index].stage = .done(.unknown("unreadable answer for \(topicPartition): \(problem)"))
            entries[index].mayHaveBeenWritten = true
            lostTrack()
        case .impossible(let code, let name, let message):
            entries[index].stage = .done(.failed(code: code, name: name, message: message))
            notStored(entries[index])
        }
        if hasRetry { backedOff = false }
        return actions + proceed(now: now)
    }

    /// The retry backoff has passed.
    mutating func retryTimerFired(now: ContinuousClock.Instant) -> [Action] {
        retryTimerRunning = false
        backedOff = true
        return proceed(now: now)
    }

    /// The producer's identity now (nil: the cluster does not allow idempotence, so the
    /// producer goes on without it).
    mutating func identityAvailable(_ current: ProducerIdentity?, now: ContinuousClock.Instant) -> [Action] {
        identityRequested = false
        guard let current else {
            if idempotent {
                idempotent = false
                maxInFlight = 1
                needsNewIdentity = false
                renumberFrom = nil
                identity = nil
            }
            return proceed(now: now)
        }
        if identity == nil || current.generation > identity!.generation { pendingIdentity = current }
        return proceed(now: now)
    }

    /// Asking for an identity failed; it will be asked again after the backoff.
    mutating func identityUnavailable(_ problem: String, now: ContinuousClock.Instant) -> [Action] {
        identityRequested = false
        for index in entries.indices where entries[index].stage == .waiting || entries[index].stage == .retry {
            entries[index].lastProblem = "no producer id: \(problem)"
            entries[index].lastCode = nil
        }
        backedOff = false
        return expire(now: now, all: true) + proceed(now: now)
    }

    /// The producer is closing without waiting: every unfinished batch gets its outcome now.
    mutating func abort(_ reason: String) -> [Action] {
        var actions: [Action] = []
        for entry in entries {
            switch entry.stage {
            case .done(let outcome):
                actions.append(.finish(entry.id, outcome))
            case .sent:
                actions.append(.finish(entry.id, .unknown("\(reason) before the broker answered")))
            case .waiting, .retry:
                actions.append(
                    .finish(
                        entry.id,
                        entry.mayHaveBeenWritten
                            ? .unknown("\(reason) while an attempt that may be stored awaited its retry")
                            : .failed(code: -1, name: "PRODUCER_CLOSED", message: "\(reason); the records were not sent")))
            }
        }
        entries = []
        return actions
    }

    // MARK: rules

    private var pendingIdentity: ProducerIdentity?

    private mutating func refused(_ index: Int, code: Int16, message: String?, gapBefore: Bool) -> [Action] {
        let name = KafkaErrorCode.name(of: code)
        let detail = message.map { " (\($0))" } ?? ""
        entries[index].lastProblem = "\(name)\(detail)"
        entries[index].lastCode = code
        switch KafkaErrorCode(rawValue: code) {
        case .duplicateSequenceNumber:
            // An earlier attempt of this batch was stored: delivered, offset unknown.
            entries[index].stage = .done(.delivered(baseOffset: -1, logAppendTimeMs: -1))
            return []
        case .outOfOrderSequenceNumber where gapBefore:
            // An earlier batch failed, so the broker did not take this one: it goes again.
            entries[index].stage = .retry
            return []
        case .outOfOrderSequenceNumber, .unknownProducerId, .invalidProducerEpoch:
            guard idempotent else { break }
            if entries[index].mayHaveBeenWritten {
                entries[index].stage = .done(
                    .unknown("\(name) from the broker for \(topicPartition) after an attempt that may be stored; retrying could duplicate"))
                lostTrack()
            } else {
                // Not stored: it goes again under a new identity.
                entries[index].stage = .retry
                needsNewIdentity = true
            }
            return []
        default:
            break
        }
        if KafkaErrorCode.isRetriable(code) {
            entries[index].stage = .retry
            // The broker may have appended the batch before timing out on its replicas.
            if code == KafkaErrorCode.requestTimedOut.rawValue || code == KafkaErrorCode.notEnoughReplicasAfterAppend.rawValue {
                entries[index].mayHaveBeenWritten = true
            }
            return KafkaErrorCode.needsMetadataRefresh(code) ? [.refreshMetadata] : []
        }
        let text = code == KafkaErrorCode.topicAuthorizationFailed.rawValue
            ? KafkaProducerError.topicAuthorizationFailed(topic).description + detail
            : "the broker refused the batch for \(topicPartition) with \(name)\(detail)"
        entries[index].stage = .done(.failed(code: code, name: name, message: text))
        if entries[index].mayHaveBeenWritten { lostTrack() } else { notStored(entries[index]) }
        return []
    }

    /// A batch that was surely not stored: the batches after it are numbered again from its
    /// first sequence number.
    private mutating func notStored(_ entry: Entry) {
        guard idempotent, entry.sequence >= 0 else { return }
        renumberFrom = min(renumberFrom ?? entry.sequence, entry.sequence)
    }

    /// A batch may or may not be stored: the broker's next expected sequence number is not
    /// known, so the partition needs a new identity.
    private mutating func lostTrack() {
        guard idempotent else { return }
        needsNewIdentity = true
    }

    /// Gives outcomes to retries past their deadline. `all`: every waiting batch, not only
    /// those about to be retried.
    private mutating func expire(now: ContinuousClock.Instant, all: Bool = false) -> [Action] {
        for index in entries.indices where entries[index].stage == .retry || (all && entries[index].stage == .waiting) {
            let entry = entries[index]
            guard now + retryBackoff >= entry.deadline, entry.attempts > 0 || all else { continue }
            let reached = entry.mayHaveBeenWritten
                ? "an attempt was written and its answer lost, so the records may be stored"
                : "no attempt was stored"
            let text = "delivery timeout of \(deliveryTimeout) spent after \(entry.attempts) attempts to \(topicPartition) (\(reached)); last problem: \(entry.lastProblem)"
            if entry.mayHaveBeenWritten {
                entries[index].stage = .done(.unknown(text))
                lostTrack()
            } else {
                entries[index].stage = .done(
                    .failed(code: entry.lastCode ?? -1, name: entry.lastCode.map { KafkaErrorCode.name(of: $0) } ?? "DELIVERY_TIMEOUT", message: text))
                notStored(entry)
            }
        }
        return []
    }

    /// After any event: finish what is done (in order), then send what may go.
    private mutating func proceed(now: ContinuousClock.Instant) -> [Action] {
        var actions = advance(now: now)
        // A new identity is asked for as soon as it is known to be needed, so its round trip
        // overlaps the drain and the backoff.
        if idempotent, identity == nil || needsNewIdentity, pendingIdentity == nil, !identityRequested, !entries.isEmpty {
            identityRequested = true
            actions.append(.needIdentity(newerThan: needsNewIdentity ? identity?.generation : nil))
        }
        return actions
    }

    private mutating func advance(now: ContinuousClock.Instant) -> [Action] {
        var actions: [Action] = []
        let drained = sentCount == 0
        if drained {
            // Before waiting out the backoff: a retry that would end past its deadline ends now.
            if hasRetry, !backedOff, !retryTimerRunning {
                actions += expire(now: now)
            }
            if needsNewIdentity || renumberFrom != nil {
                actions += prepareNumbering()
            }
        }
        actions += finishDone()
        guard sentCount == 0 || !hasRetry else { return actions }  // draining
        if drained, hasRetry {
            guard backedOff else {
                if !retryTimerRunning {
                    retryTimerRunning = true
                    actions.append(.startRetryTimer(retryBackoff))
                }
                return actions
            }
            for index in entries.indices where entries[index].stage == .retry { entries[index].stage = .waiting }
            backedOff = false
        }
        // Numbering waits for the drain (and a new identity, when one is needed).
        if idempotent, renumberFrom != nil, identity != nil, !needsNewIdentity { return actions }
        if idempotent, identity == nil || needsNewIdentity { return actions }  // asked for in `proceed`
        var sent = sentCount
        for index in entries.indices where sent < maxInFlight {
            guard entries[index].stage == .waiting else { continue }
            entries[index].stage = .sent
            entries[index].attempts += 1
            actions.append(.send(entries[index].id, identity: idempotent ? identity : nil, baseSequence: idempotent ? entries[index].sequence : -1))
            sent += 1
        }
        return actions
    }

    /// With nothing in flight: move to a newer identity when one is needed and known, and
    /// number the batches that go again.
    private mutating func prepareNumbering() -> [Action] {
        guard idempotent else { return [] }
        if needsNewIdentity || identity == nil {
            guard let next = pendingIdentity, identity == nil || next.generation > identity!.generation else { return [] }
            // Under a new identity a batch that may have been written cannot be told apart
            // from a new one: it is unknown rather than possibly stored twice.
            for index in entries.indices where entries[index].stage == .waiting || entries[index].stage == .retry {
                if entries[index].mayHaveBeenWritten {
                    entries[index].stage = .done(
                        .unknown("an earlier batch of \(topicPartition) has no known outcome, and this one may be stored: not retried, as that could duplicate it"))
                }
            }
            identity = next
            pendingIdentity = nil
            needsNewIdentity = false
            renumberFrom = 0
            nextSequence = 0
            for index in entries.indices { entries[index].sequence = -1 }
        }
        guard let start = renumberFrom else { return [] }
        var sequence = start
        for index in entries.indices where entries[index].stage == .waiting || entries[index].stage == .retry {
            // Batches before the gap keep their numbers: the broker may hold them.
            guard entries[index].sequence < 0 || entries[index].sequence >= start else { continue }
            entries[index].sequence = sequence
            sequence = Self.advance(sequence, by: entries[index].count)
        }
        nextSequence = sequence
        renumberFrom = nil
        return []
    }

    private mutating func finishDone() -> [Action] {
        var actions: [Action] = []
        while let first = entries.first, case .done(let outcome) = first.stage {
            actions.append(.finish(first.id, outcome))
            entries.removeFirst()
        }
        return actions
    }

    static func advance(_ sequence: Int32, by count: Int32) -> Int32 {
        Int32(truncatingIfNeeded: (Int64(sequence) + Int64(count)) & Int64(Int32.max))
    }
}
