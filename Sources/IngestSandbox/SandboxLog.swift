import Foundation
import IngestKafka
import NIOCore
import Synchronization

/// The sandbox's Kafka stand-in: topics with partitions and real, increasing offsets.
/// Only a bounded tail of each partition is kept, so long runs do not grow memory.
public final class SandboxLog: Sendable {
    public struct StoredRecord: Sendable, Equatable {
        public var offset: Int64
        public var key: [UInt8]?
        public var value: [UInt8]?
        public var valueType: String?
        public var headers: [(String, [UInt8]?)]
        public var timestamp: Date

        public static func == (a: StoredRecord, b: StoredRecord) -> Bool {
            a.offset == b.offset && a.key == b.key && a.value == b.value && a.valueType == b.valueType
                && a.headers.map(\.0) == b.headers.map(\.0) && a.headers.map(\.1) == b.headers.map(\.1)
        }
    }

    struct Partition {
        var nextOffset: Int64 = 0
        var tail = CircularBuffer<StoredRecord>()
    }

    struct State {
        var topics: [String: [Partition]] = [:]
        var roundRobin = 0
    }

    public let tailLimit: Int
    private let state: Mutex<State>

    public init(topics: [String], partitions: Int, tailLimit: Int = 10_000) {
        var state = State()
        for topic in topics { state.topics[topic] = Array(repeating: Partition(), count: partitions) }
        self.state = Mutex(state)
        self.tailLimit = tailLimit
    }

    public func partitionCount(_ topic: String) -> Int? {
        state.withLock { $0.topics[topic]?.count }
    }

    public var topicNames: [String] { state.withLock { $0.topics.keys.sorted() } }

    /// Appends; picks the partition like Kafka's default partitioner when none is given.
    public func append(topic: String, partition: Int?, key: [UInt8]?, value: [UInt8]?, valueType: String?, headers: [(String, [UInt8]?)], timestamp: Date) -> (partition: Int, offset: Int64)? {
        state.withLock { state in
            // Mutated in place: copying a partition's tail per append would make it O(n).
            guard let count = state.topics[topic]?.count else { return nil }
            let index: Int
            if let partition { index = partition }
            else if let key { index = Int(Partitioner.partition(forKey: key, partitionCount: count)) }
            else {
                state.roundRobin &+= 1
                index = state.roundRobin % count
            }
            let offset = state.topics[topic]![index].nextOffset
            state.topics[topic]![index].nextOffset += 1
            state.topics[topic]![index].tail.append(StoredRecord(offset: offset, key: key, value: value, valueType: valueType, headers: headers, timestamp: timestamp))
            if state.topics[topic]![index].tail.count > tailLimit {
                state.topics[topic]![index].tail.removeFirst()
            }
            return (index, offset)
        }
    }

    /// Records kept for a topic, all partitions, ordered by partition then offset.
    public func records(topic: String) -> [(partition: Int, record: StoredRecord)] {
        state.withLock { state in
            guard let partitions = state.topics[topic] else { return [] }
            return partitions.enumerated().flatMap { index, partition in partition.tail.map { (index, $0) } }
        }
    }

    /// Total records ever appended to a topic.
    public func count(topic: String) -> Int64 {
        state.withLock { $0.topics[topic]?.reduce(0) { $0 + $1.nextOffset } ?? 0 }
    }
}

