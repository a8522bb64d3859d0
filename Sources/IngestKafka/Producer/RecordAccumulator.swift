/// Where records wait for their batch to go: the partition queues of every topic, behind one
/// lock, like the Java client's RecordAccumulator. `produce` appends each record in its own
/// task as it reads it, encoded straight into its partition's batch, so a record is never
/// handed to another thread; the engine takes batches out when they are due and says when
/// they are done. It also counts the records without an outcome, which bounds the memory of
/// `produce` and lets `flush` and `close` wait.
import Synchronization

final class RecordAccumulator: Sendable {
    /// What the caller must do after an append (or a timer, or a finished batch).
    enum Step: Sendable {
        /// Nothing: the records wait in their batch.
        case none
        /// Start the partition's linger timer; when it fires call `lingerExpired`.
        case scheduleLinger(TopicPartition, after: Duration)
        /// Send this batch (taken out of its queue; the partition is busy until `batchFinished`).
        case send(PendingBatch, TopicPartition)
    }

    enum Appended: Sendable {
        case appended
        /// Appended, and the window is used up: a streaming caller waits in `waitForRoom`
        /// before the next record.
        case full
        /// The topic's partitions are not known here yet: the engine must look it up first.
        case topicUnknown
        /// The record cannot go (a partition the topic lacks, or the producer is closed): it
        /// already has this outcome, reported to its sink.
        case refused
    }

    private struct State {
        var slots: [String: Int] = [:]
        var topics: [TopicQueues] = []
        /// The slot of the last topic appended to: a run of records for one topic then costs
        /// a string comparison each, not a hash.
        var lastSlot = -1
        var outstanding = 0
        var closed = false
        var roomWaiters = Waiters()
        var idleWaiters = Waiters()

        mutating func slot(of topic: String) -> Int? {
            if lastSlot >= 0, topics[lastSlot].name == topic { return lastSlot }
            guard let slot = slots[topic] else { return nil }
            lastSlot = slot
            return slot
        }

        mutating func makeSlot(_ topic: String) -> Int {
            if let slot = slots[topic] { return slot }
            topics.append(TopicQueues(name: topic))
            slots[topic] = topics.count - 1
            return topics.count - 1
        }
    }

    private let state = Mutex(State())
    private let batchMaxBytes: Int
    private let linger: Duration
    /// Batches of one partition taken and unanswered, at most.
    private let maxInFlight: Int
    /// Records appended and without an outcome, at most about this many before `produce` waits.
    let window: Int

    init(batchMaxBytes: Int, linger: Duration, window: Int, maxInFlight: Int = 1) {
        precondition(window > 0, "the accumulator needs room for at least one record")
        self.batchMaxBytes = batchMaxBytes
        self.linger = linger
        self.window = window
        self.maxInFlight = maxInFlight
    }

    // MARK: records in

    /// Appends records `range` of `block` (their indices from `firstIndex`, stamped with
    /// `timestampMs` unless they have their own) under one lock: the fast path of every
    /// record. Stops after a record that fills the window (`.full`) or before one whose topic
    /// is unknown (`.topicUnknown`, not taken). Returns how many were taken (appended, or
    /// refused with their outcome reported) and how the last one went; `steps` gets what
    /// the caller must do, in order.
    func append(
        _ block: RecordBlock, range: Range<Int>, firstIndex: Int, timestampMs: Int64, sink: DeliverySink,
        now: () -> ContinuousClock.Instant, steps: inout [Step]
    ) -> (taken: Int, last: Appended) {
        var refusals: [(Int, KafkaDeliveryOutcome)] = []
        let result = block.withRecords(timestampMs: timestampMs) { record in
            state.withLock { state -> (taken: Int, last: Appended) in
                var taken = 0
                var last = Appended.appended
                for position in range {
                    var step = Step.none
                    var refusal: KafkaDeliveryOutcome?
                    last = appendOne(record(position), to: &state, topic: block.topic, index: firstIndex + taken, sink: sink, now: now,
                                     step: &step, refusal: &refusal)
                    if last == .topicUnknown { break }
                    if let refusal { refusals.append((firstIndex + taken, refusal)) }
                    taken += 1
                    if case .none = step {} else { steps.append(step) }
                    if last == .full { break }
                }
                return (taken, last)
            }
        }
        for (index, outcome) in refusals { sink.reportAlone(index, outcome) }
        return result
    }

    /// One record into its partition's queue, under the lock; `.topicUnknown`, having done
    /// nothing, when the topic's partitions are not known. The clock is read only when the
    /// queue needs it.
    private func appendOne(
        _ record: EncodedRecord, to state: inout State, topic: String, index: Int, sink: DeliverySink,
        now: () -> ContinuousClock.Instant, step: inout Step, refusal: inout KafkaDeliveryOutcome?
    ) -> Appended {
        guard !state.closed else {
            refusal = ProducerEngine.closedOutcome
            return .refused
        }
        guard let slot = state.slot(of: topic), state.topics[slot].partitionCount > 0 else { return .topicUnknown }
        let partitionCount = state.topics[slot].partitionCount
        let partition: Int32
        if let explicit = record.partition {
            guard state.topics[slot].leaders?[explicit] != nil else {
                refusal = .failed(
                    code: KafkaErrorCode.unknownTopicOrPartition.rawValue, name: "UNKNOWN_TOPIC_OR_PARTITION",
                    message: "partition \(explicit) does not exist in topic \(topic) (it has \(partitionCount))")
                return .refused
            }
            partition = explicit
        } else if let keyHash = record.keyHash {
            partition = Partitioner.partition(forHash: keyHash, partitionCount: Int(partitionCount))
        } else if let sticky = state.topics[slot].sticky {
            partition = sticky
        } else {
            partition = Int32.random(in: 0..<partitionCount, using: &state.topics[slot].random)
            state.topics[slot].sticky = partition
        }
        state.outstanding += 1
        state.topics[slot].grow(to: Int(partition) + 1, batchMaxBytes: batchMaxBytes, linger: linger, maxInFlight: maxInFlight)
        let action = state.topics[slot].partitions[Int(partition)].append(record, index: index, sink: sink, now: now())
        if action != .none {
            step = Self.step(action, &state.topics[slot], partition: partition, partitionCount: partitionCount)
        }
        return state.outstanding >= window ? .full : .appended
    }

    /// Waits until fewer than `window` records are without an outcome, or the task is cancelled.
    func waitForRoom() async {
        await wait(\State.roomWaiters) { [window] in $0.outstanding < window || $0.closed }
    }

    /// The cluster's partitions (partition -> leader) of every topic it knows: topics not in
    /// `topics` become unknown here, so their next record goes to the engine to be looked up.
    func updateTopics(_ topics: [String: [Int32: Int32]]) {
        state.withLock { state in
            for slot in state.topics.indices {
                state.topics[slot].leaders = topics[state.topics[slot].name]
            }
            for (topic, leaders) in topics where state.slots[topic] == nil {
                let slot = state.makeSlot(topic)
                state.topics[slot].leaders = leaders
            }
        }
    }

    // MARK: batches out

    /// The partition's linger timer fired.
    func lingerExpired(_ tp: TopicPartition, now: ContinuousClock.Instant) -> Step {
        updateQueue(tp) { $0.lingerExpired(now: now) }
    }

    /// The partition's in-flight batch has its outcome: its records are no longer counted, and
    /// the partition may send again.
    func batchFinished(_ tp: TopicPartition, count: Int, now: ContinuousClock.Instant) -> Step {
        let step = updateQueue(tp) { $0.batchFinished(now: now) }
        recordsFinished(count)
        return step
    }

    /// Every batch that can go now, whatever its linger (flushing, closing).
    func flushAll() -> [Step] {
        state.withLock { state in
            var steps: [Step] = []
            for slot in state.topics.indices {
                let partitionCount = state.topics[slot].partitionCount
                for partition in state.topics[slot].partitions.indices {
                    let action = state.topics[slot].partitions[partition].flush()
                    let step = Self.step(action, &state.topics[slot], partition: Int32(partition), partitionCount: partitionCount)
                    if case .none = step { continue }
                    steps.append(step)
                }
            }
            return steps
        }
    }

    /// From now on every append is refused with PRODUCER_CLOSED.
    func close() {
        let waiters = state.withLock { state in
            state.closed = true
            return state.roomWaiters.takeAll()
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Waits until every record appended so far has its outcome; false when the task was
    /// cancelled first.
    @discardableResult
    func waitUntilIdle() async -> Bool {
        await wait(\State.idleWaiters) { $0.outstanding == 0 }
        return state.withLock { $0.outstanding == 0 }
    }

    /// Every batch not taken yet, taken out for good, with its partition (the producer stops
    /// without sending them). Their records still count until `recordsFinished`.
    func takeAllWaiting() -> [(PendingBatch, TopicPartition)] {
        state.withLock { state in
            var all: [(PendingBatch, TopicPartition)] = []
            for slot in state.topics.indices {
                for partition in state.topics[slot].partitions.indices {
                    let tp = TopicPartition(topic: state.topics[slot].name, partition: Int32(partition))
                    all += state.topics[slot].partitions[partition].takeAllWaiting().map { ($0, tp) }
                }
            }
            return all
        }
    }

    // MARK: private

    /// Returns once `ready` holds (checked now and whenever the waiters are woken), or at
    /// once when the task is cancelled: its continuation is then taken out of the list.
    private func wait(_ waiters: WritableKeyPath<State, Waiters> & Sendable, until ready: (State) -> Bool) async {
        let id = state.withLock { $0[keyPath: waiters].newID() }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let now = state.withLock { state -> Bool in
                    // Checked under the lock: a cancellation before this line sets the flag
                    // first, one after it finds the continuation in the list.
                    if ready(state) || Task.isCancelled { return true }
                    state[keyPath: waiters].add(id, continuation)
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0[keyPath: waiters].remove(id) }?.resume()
        }
    }

    private func updateQueue(_ tp: TopicPartition, _ body: (inout PartitionQueue) -> PartitionQueue.Action) -> Step {
        state.withLock { state in
            let slot = state.makeSlot(tp.topic)
            state.topics[slot].grow(to: Int(tp.partition) + 1, batchMaxBytes: batchMaxBytes, linger: linger, maxInFlight: maxInFlight)
            let action = body(&state.topics[slot].partitions[Int(tp.partition)])
            let partitionCount = state.topics[slot].partitionCount
            return Self.step(action, &state.topics[slot], partition: tp.partition, partitionCount: partitionCount)
        }
    }

    /// `count` records have their outcomes: they no longer count against the window.
    func recordsFinished(_ count: Int) {
        let (room, idle) = state.withLock { state in
            state.outstanding -= count
            var room: [CheckedContinuation<Void, Never>] = []
            var idle: [CheckedContinuation<Void, Never>] = []
            if state.outstanding < window { room = state.roomWaiters.takeAll() }
            if state.outstanding == 0 { idle = state.idleWaiters.takeAll() }
            return (room, idle)
        }
        for waiter in room { waiter.resume() }
        for waiter in idle { waiter.resume() }
    }

    /// Turns a queue's action into the caller's step; a batch to send is taken out here, under
    /// the lock, so two callers never both send one partition's batch.
    private static func step(
        _ action: PartitionQueue.Action, _ topic: inout TopicQueues, partition: Int32, partitionCount: Int32
    ) -> Step {
        switch action {
        case .none:
            return .none
        case .scheduleLinger(let after):
            return .scheduleLinger(TopicPartition(topic: topic.name, partition: partition), after: after)
        case .sendNow:
            let batch = topic.partitions[Int(partition)].takeBatch()
            topic.batchLeft(partition, partitionCount: partitionCount)
            return .send(batch, TopicPartition(topic: topic.name, partition: partition))
        }
    }
}

/// The partition queues of one topic, indexed by partition, and its sticky partition.
struct TopicQueues: Sendable {
    let name: String
    /// Partition -> leader, as the engine last learned it; nil while unknown or unusable.
    var leaders: [Int32: Int32]? {
        didSet { partitionCount = Int32(leaders?.count ?? 0) }
    }
    /// 0 while the topic is unknown (kept apart from `leaders`: reading the dictionary's
    /// count would retain and release it, on every record).
    private(set) var partitionCount: Int32 = 0
    var partitions: [PartitionQueue] = []
    /// Where records without key and partition go, until a batch of that partition leaves.
    var sticky: Int32?
    /// For the sticky partition only: seeded once, so a batch costs no getrandom call.
    var random = StickyRandom(seed: UInt64.random(in: .min ... .max))

    init(name: String) {
        self.name = name
    }

    mutating func grow(to count: Int, batchMaxBytes: Int, linger: Duration, maxInFlight: Int) {
        while partitions.count < count {
            partitions.append(PartitionQueue(batchMaxBytes: batchMaxBytes, linger: linger, maxInFlight: maxInFlight))
        }
    }

    /// A batch of `partition` left: unkeyed records move to another partition (sticky partitioner).
    mutating func batchLeft(_ partition: Int32, partitionCount: Int32) {
        guard sticky == partition, partitionCount > 1 else { return }
        var next = Int32.random(in: 0..<(partitionCount - 1), using: &random)
        if next >= partition { next += 1 }
        sticky = next
    }
}

/// A small fast generator (SplitMix64), good enough to spread partitions.
struct StickyRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
