import Testing

@testable import IngestKafka

/// The delivery rules of one partition, event by event, without sockets.
@Suite struct PartitionDeliveryTests {
    typealias Machine = PartitionDelivery
    static let t0 = ContinuousClock.now
    static let first = ProducerIdentity(producerID: 7, epoch: 0, generation: 1)
    static let second = ProducerIdentity(producerID: 8, epoch: 0, generation: 2)

    static func machine(idempotent: Bool = true, maxInFlight: Int = 5, identity: ProducerIdentity? = first) -> Machine {
        Machine(
            topic: "t", partition: 3, idempotent: idempotent, maxInFlight: maxInFlight, retryBackoff: .milliseconds(100),
            deliveryTimeout: .seconds(10), identity: identity)
    }

    static func id(_ n: Int) -> BatchID { BatchID(value: n) }

    /// The batches and sequence numbers of the `send` actions, in order.
    static func sends(_ actions: [Machine.Action]) -> [(Int, Int32)] {
        actions.compactMap { if case .send(let id, _, let sequence) = $0 { (id.value, sequence) } else { nil } }
    }

    static func finishes(_ actions: [Machine.Action]) -> [(Int, Machine.Outcome)] {
        actions.compactMap { if case .finish(let id, let outcome) = $0 { (id.value, outcome) } else { nil } }
    }

    static func stored(_ offset: Int64) -> Machine.Answer { .stored(baseOffset: offset, logAppendTimeMs: -1) }
    static func refused(_ code: KafkaErrorCode) -> Machine.Answer { .refused(code: code.rawValue, message: nil) }

    /// Adds batches of 10 records and returns the actions of the last add.
    @discardableResult
    static func add(_ ids: ClosedRange<Int>, to machine: inout Machine, at now: ContinuousClock.Instant = t0) -> [Machine.Action] {
        var actions: [Machine.Action] = []
        for n in ids { actions += machine.add(id(n), count: 10, enqueuedAt: now, now: now) }
        return actions
    }

    @Test func batchesAreNumberedInOrderAndAtMostFiveAreInFlight() {
        var machine = Self.machine()
        let actions = Self.add(1...7, to: &machine)
        #expect(Self.sends(actions).map(\.0) == [1, 2, 3, 4, 5])
        #expect(Self.sends(actions).map(\.1) == [0, 10, 20, 30, 40])
        let next = machine.answered(Self.id(1), Self.stored(100), now: Self.t0)
        #expect(Self.finishes(next).map(\.0) == [1])
        #expect(Self.sends(next).map(\.0) == [6], "an answer frees a place")
        #expect(Self.sends(next).map(\.1) == [50])
    }

    @Test func withoutIdempotenceOneBatchIsInFlight() {
        var machine = Self.machine(idempotent: false, identity: nil)
        let actions = Self.add(1...2, to: &machine)
        #expect(Self.sends(actions).map(\.0) == [1])
        #expect(Self.sends(actions).map(\.1) == [-1])
        #expect(Self.sends(machine.answered(Self.id(1), Self.stored(0), now: Self.t0)).map(\.0) == [2])
    }

    @Test func outcomesAreGivenInBatchOrder() {
        var machine = Self.machine()
        Self.add(1...2, to: &machine)
        #expect(Self.finishes(machine.answered(Self.id(2), Self.stored(10), now: Self.t0)).isEmpty, "batch 1 has no outcome yet")
        let finished = Self.finishes(machine.answered(Self.id(1), Self.stored(0), now: Self.t0))
        #expect(finished.map(\.0) == [1, 2])
    }

    /// A retriable refusal drains the partition, then every unfinished batch goes again in
    /// order with its own sequence numbers; the out-of-order answers behind it are retries.
    @Test func retriableRefusalDrainsThenRetriesInOrderWithTheSameSequences() {
        var machine = Self.machine()
        Self.add(1...3, to: &machine)
        let afterRefusal = machine.answered(Self.id(1), Self.refused(.notLeaderOrFollower), now: Self.t0)
        #expect(afterRefusal.contains(.refreshMetadata))
        #expect(Self.sends(afterRefusal).isEmpty)
        #expect(Self.sends(Self.add(4...4, to: &machine)).isEmpty, "nothing new goes while the partition drains")
        #expect(machine.answered(Self.id(2), Self.refused(.outOfOrderSequenceNumber), now: Self.t0).isEmpty)
        let drained = machine.answered(Self.id(3), Self.refused(.outOfOrderSequenceNumber), now: Self.t0)
        #expect(drained == [.startRetryTimer(.milliseconds(100))])
        let retried = machine.retryTimerFired(now: Self.t0 + .milliseconds(100))
        #expect(Self.sends(retried).map(\.0) == [1, 2, 3, 4])
        #expect(Self.sends(retried).map(\.1) == [0, 10, 20, 30])
        var finished: [Int] = []
        for n in 1...4 { finished += Self.finishes(machine.answered(Self.id(n), Self.stored(Int64(n)), now: Self.t0)).map(\.0) }
        #expect(finished == [1, 2, 3, 4])
    }

    /// A batch refused for good was not stored, nor anything after it: those are numbered
    /// again from its first sequence number.
    @Test func permanentRefusalFailsTheBatchAndRenumbersTheRest() {
        var machine = Self.machine()
        Self.add(1...3, to: &machine)
        let refused = machine.answered(Self.id(1), Self.refused(.topicAuthorizationFailed), now: Self.t0)
        guard case .failed(let code, let name, let message)? = Self.finishes(refused).first?.1 else {
            Issue.record("batch 1 fails, got \(refused)")
            return
        }
        #expect(code == 29 && name == "TOPIC_AUTHORIZATION_FAILED" && message.contains("not allowed to write to topic t"))
        _ = machine.answered(Self.id(2), Self.refused(.outOfOrderSequenceNumber), now: Self.t0)
        #expect(machine.answered(Self.id(3), Self.refused(.outOfOrderSequenceNumber), now: Self.t0) == [.startRetryTimer(.milliseconds(100))])
        let retried = machine.retryTimerFired(now: Self.t0 + .milliseconds(100))
        #expect(Self.sends(retried).map(\.0) == [2, 3])
        #expect(Self.sends(retried).map(\.1) == [0, 10], "numbered from the failed batch's first sequence")
    }

    @Test func duplicateSequenceIsDeliveredWithoutOffset() {
        var machine = Self.machine()
        Self.add(1...1, to: &machine)
        let finished = Self.finishes(machine.answered(Self.id(1), Self.refused(.duplicateSequenceNumber), now: Self.t0))
        #expect(finished.first?.1 == .delivered(baseOffset: -1, logAppendTimeMs: -1))
    }

    /// A lost answer: the idempotent retry carries the same sequence numbers (the broker
    /// drops a duplicate); without idempotence the batch is unknown at once.
    @Test func lostAnswerIsRetriedOnlyWithIdempotence() {
        var idempotent = Self.machine()
        Self.add(1...1, to: &idempotent)
        let lost = idempotent.answered(Self.id(1), .lost("connection closed", mayHaveReachedBroker: true), now: Self.t0)
        #expect(lost.contains(.refreshMetadata) && lost.contains(.startRetryTimer(.milliseconds(100))))
        #expect(Self.sends(idempotent.retryTimerFired(now: Self.t0 + .milliseconds(100))).map(\.1) == [0])

        var plain = Self.machine(idempotent: false, identity: nil)
        Self.add(1...1, to: &plain)
        let finished = Self.finishes(plain.answered(Self.id(1), .lost("connection closed", mayHaveReachedBroker: true), now: Self.t0))
        guard case .unknown(let message)? = finished.first?.1 else {
            Issue.record("expected unknown, got \(finished)")
            return
        }
        #expect(message.contains("retrying could duplicate"))
    }

    @Test func notSentIsRetriedAfterAMetadataRefresh() {
        var machine = Self.machine()
        Self.add(1...1, to: &machine)
        let actions = machine.answered(Self.id(1), .notSent("no leader known"), now: Self.t0)
        #expect(actions.contains(.refreshMetadata) && actions.contains(.startRetryTimer(.milliseconds(100))))
    }

    /// Past the deadline: failed with the broker's last code when nothing was stored.
    @Test func deadlineFailsABatchNeverStored() {
        var machine = Self.machine()
        Self.add(1...1, to: &machine)
        let late = Self.t0 + .seconds(10)
        let finished = Self.finishes(machine.answered(Self.id(1), Self.refused(.notEnoughReplicas), now: late))
        guard case .failed(let code, let name, let message)? = finished.first?.1 else {
            Issue.record("expected failed, got \(finished)")
            return
        }
        #expect(code == 19 && name == "NOT_ENOUGH_REPLICAS" && message.contains("no attempt was stored"))
    }

    /// Past the deadline after an attempt that may be stored: unknown, and the partition
    /// takes a new identity, numbering what follows from 0.
    @Test func deadlineAfterAPossibleWriteIsUnknownAndRenewsTheIdentity() {
        var machine = Self.machine(maxInFlight: 1)
        Self.add(1...1, to: &machine)
        let late = Self.t0 + .seconds(10)
        Self.add(2...2, to: &machine, at: late)
        let actions = machine.answered(Self.id(1), Self.refused(.requestTimedOut), now: late)
        guard case .unknown(let message)? = Self.finishes(actions).first?.1 else {
            Issue.record("expected unknown, got \(actions)")
            return
        }
        #expect(message.contains("may be stored"))
        // Batch 2 was never sent: it waits for the new identity, then goes as sequence 0.
        #expect(actions.contains(.needIdentity(newerThan: 1)))
        let renewed = machine.identityAvailable(Self.second, now: late)
        #expect(Self.sends(renewed).map(\.0) == [2])
        #expect(Self.sends(renewed).map(\.1) == [0])
        guard case .send(_, let identity, _)? = renewed.first(where: { if case .send = $0 { true } else { false } }) else { return }
        #expect(identity == Self.second)
    }

    /// OUT_OF_ORDER_SEQUENCE_NUMBER for the first batch in line: the broker lost our state;
    /// a batch never written goes again under a new identity.
    @Test func outOfOrderAtTheHeadRetriesUnderANewIdentity() {
        var machine = Self.machine()
        Self.add(1...1, to: &machine)
        let refused = machine.answered(Self.id(1), Self.refused(.outOfOrderSequenceNumber), now: Self.t0)
        #expect(refused == [.startRetryTimer(.milliseconds(100)), .needIdentity(newerThan: 1)], "asked for at once, not after the backoff")
        #expect(machine.retryTimerFired(now: Self.t0 + .milliseconds(100)).isEmpty, "waits for the identity")
        #expect(Self.sends(machine.identityAvailable(Self.first, now: Self.t0)).isEmpty, "not a newer identity")
        let renewed = machine.identityAvailable(Self.second, now: Self.t0)
        #expect(Self.sends(renewed).map(\.1) == [0])
    }

    /// UNKNOWN_PRODUCER_ID after an attempt that may be stored: retrying under a new identity
    /// could store it twice, so it is unknown.
    @Test func unknownProducerAfterAPossibleWriteIsUnknown() {
        var machine = Self.machine()
        Self.add(1...1, to: &machine)
        _ = machine.answered(Self.id(1), .lost("closed", mayHaveReachedBroker: true), now: Self.t0)
        _ = machine.retryTimerFired(now: Self.t0 + .milliseconds(100))
        let finished = Self.finishes(machine.answered(Self.id(1), Self.refused(.unknownProducerId), now: Self.t0))
        guard case .unknown? = finished.first?.1 else {
            Issue.record("expected unknown, got \(finished)")
            return
        }
    }

    /// An unreadable answer: that batch may be stored, so the ones behind it that may have
    /// been written too are unknown, and those never written go under a new identity.
    @Test func unreadableAnswerMakesLaterPossibleWritesUnknown() {
        var machine = Self.machine(maxInFlight: 2)
        Self.add(1...3, to: &machine)
        let first = machine.answered(Self.id(1), .unreadable("garbage"), now: Self.t0)
        #expect(Self.finishes(first).first.map { if case .unknown = $0.1 { true } else { false } } == true)
        #expect(first.contains(.needIdentity(newerThan: 1)))
        let second = machine.answered(Self.id(2), .lost("closed", mayHaveReachedBroker: true), now: Self.t0)
        #expect(second.contains(.startRetryTimer(.milliseconds(100))))
        #expect(Self.sends(machine.retryTimerFired(now: Self.t0 + .milliseconds(100))).isEmpty, "waits for the new identity")
        let renewed = machine.identityAvailable(Self.second, now: Self.t0)
        #expect(Self.finishes(renewed).map(\.0) == [2])
        #expect(Self.sends(renewed).map(\.0) == [3])
        #expect(Self.sends(renewed).map(\.1) == [0])
    }

    /// The cluster does not allow idempotence: the partition goes on without it.
    @Test func noIdentityMeansNoIdempotence() {
        var machine = Self.machine(identity: nil)
        let asked = Self.add(1...2, to: &machine)
        #expect(asked == [.needIdentity(newerThan: nil)])
        let actions = machine.identityAvailable(nil, now: Self.t0)
        #expect(Self.sends(actions).map(\.0) == [1], "one in flight without idempotence")
        #expect(Self.sends(actions).map(\.1) == [-1])
    }

    @Test func identityThatCannotBeHadEndsBatchesAtTheirDeadline() {
        var machine = Self.machine(identity: nil)
        Self.add(1...1, to: &machine)
        let actions = machine.identityUnavailable("broker down", now: Self.t0 + .seconds(10))
        guard case .failed(_, let name, let message)? = Self.finishes(actions).first?.1 else {
            Issue.record("expected failed, got \(actions)")
            return
        }
        #expect(name == "DELIVERY_TIMEOUT" && message.contains("no producer id: broker down"))
    }

    @Test func abortGivesEveryBatchItsOutcome() {
        var machine = Self.machine(maxInFlight: 1)
        Self.add(1...2, to: &machine)
        let finished = Self.finishes(machine.abort("closed"))
        #expect(finished.map(\.0) == [1, 2])
        guard case .unknown = finished[0].1, case .failed(_, let name, _) = finished[1].1 else {
            Issue.record("sent: unknown, never sent: failed; got \(finished)")
            return
        }
        #expect(name == "PRODUCER_CLOSED")
        #expect(machine.answered(Self.id(1), Self.stored(0), now: Self.t0).isEmpty, "a late answer changes nothing")
    }
}
