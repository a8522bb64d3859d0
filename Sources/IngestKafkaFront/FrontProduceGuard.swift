import IngestKafka
import NIOConcurrencyHelpers
import NIOCore

/// What a Kafka broker checks of an idempotent producer's batches, done at the front because
/// librdkafka's mock cluster checks sequence numbers only for transactional producers: a
/// batch must carry the next sequence number of its producer and partition, else it is
/// refused with OUT_OF_ORDER_SEQUENCE_NUMBER (or DUPLICATE_SEQUENCE_NUMBER for one of the
/// last five stored), so a retried batch cannot be stored behind a later one. Also the
/// front's test faults: Produce refusals it answers itself, as a broker would, instead of
/// passing the request on (a batch refused there is surely not stored).
final class FrontProduceGuard: Sendable {
    struct Key: Hashable, Sendable {
        var producerID: Int64
        var topic: String
        var partition: Int32
    }

    /// A batch passed on, settled when the cluster answers.
    struct Ticket: Sendable {
        var key: Key
        var sequence: Int32
        var count: Int32
    }

    enum Decision: Sendable {
        /// Pass the request on; settle the ticket with the answer (nil: not idempotent).
        case relay(Ticket?)
        /// Answer the request here with this error code.
        case refuse(Int16)
    }

    private struct Partition {
        var expected: Int32
        /// The last five batches passed on (first sequence, record count).
        var recent: [(Int32, Int32)] = []
        /// A batch passed on was never answered: whether it was stored is not known, so the
        /// next batch is taken as it comes (as the mock cluster would).
        var uncertain = false
    }

    private struct State {
        var faults: [Int16] = []
        var partitions: [Key: Partition] = [:]
    }

    private let state = NIOLockedValueBox(State())

    /// The next Produce requests are refused with these codes, in order.
    func failNext(_ codes: [Int16]) {
        state.withLockedValue { $0.faults += codes }
    }

    /// `batch`: the records field of a one-partition Produce request (a RecordBatch v2).
    func decide(topic: String, partition: Int32, batch: ByteBuffer) -> Decision {
        let fields = Self.idempotence(of: batch)
        return state.withLockedValue { state in
            if !state.faults.isEmpty { return .refuse(state.faults.removeFirst()) }
            guard let fields else { return .relay(nil) }
            let key = Key(producerID: fields.producerID, topic: topic, partition: partition)
            let ticket = Ticket(key: key, sequence: fields.sequence, count: fields.count)
            guard var known = state.partitions[key], !known.uncertain else {
                // A producer's first batch for a partition starts at 0, as a broker requires
                // (after an unanswered batch, whatever comes is taken).
                guard fields.sequence == 0 || state.partitions[key]?.uncertain == true else {
                    return .refuse(KafkaErrorCode.outOfOrderSequenceNumber.rawValue)
                }
                state.partitions[key] = Partition(expected: Self.after(fields.sequence, fields.count), recent: [(fields.sequence, fields.count)])
                return .relay(ticket)
            }
            if fields.sequence == known.expected {
                known.expected = Self.after(fields.sequence, fields.count)
                known.recent = Array((known.recent + [(fields.sequence, fields.count)]).suffix(5))
                state.partitions[key] = known
                return .relay(ticket)
            }
            if known.recent.contains(where: { $0 == (fields.sequence, fields.count) }) {
                return .refuse(KafkaErrorCode.duplicateSequenceNumber.rawValue)
            }
            return .refuse(KafkaErrorCode.outOfOrderSequenceNumber.rawValue)
        }
    }

    /// The cluster answered a batch passed on: refused, it was not stored, and if nothing
    /// was passed on after it its sequence numbers are expected again.
    func settle(_ ticket: Ticket, errorCode: Int16) {
        guard errorCode != 0 else { return }
        state.withLockedValue { state in
            guard var known = state.partitions[ticket.key] else { return }
            known.recent.removeAll { $0 == (ticket.sequence, ticket.count) }
            if known.expected == Self.after(ticket.sequence, ticket.count) {
                known.expected = ticket.sequence
            } else {
                known.uncertain = true
            }
            state.partitions[ticket.key] = known
        }
    }

    /// The connection closed before the cluster answered these.
    func lost(_ tickets: [Ticket]) {
        state.withLockedValue { state in
            for ticket in tickets { state.partitions[ticket.key]?.uncertain = true }
        }
    }

    /// Producer id, first sequence and record count of an idempotent batch (nil otherwise).
    static func idempotence(of batch: ByteBuffer) -> (producerID: Int64, sequence: Int32, count: Int32)? {
        let start = batch.readerIndex
        guard batch.readableBytes >= 61, batch.getInteger(at: start + 16, as: Int8.self) == 2,
            let producerID = batch.getInteger(at: start + 43, as: Int64.self), producerID >= 0,
            let sequence = batch.getInteger(at: start + 53, as: Int32.self), sequence >= 0,
            let count = batch.getInteger(at: start + 57, as: Int32.self), count > 0
        else { return nil }
        return (producerID, sequence, count)
    }

    private static func after(_ sequence: Int32, _ count: Int32) -> Int32 {
        Int32(truncatingIfNeeded: (Int64(sequence) + Int64(count)) & Int64(Int32.max))
    }
}
