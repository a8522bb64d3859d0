/// Partition choice compatible with the Java client's default partitioner for keyed records.
/// Public so that the sandbox's in-memory log partitions keys the same way.
public enum Partitioner {
    /// Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2), seed 0x9747b28c.
    static func murmur2(_ data: [UInt8]) -> Int32 {
        let m: UInt32 = 0x5bd1_e995
        let r: UInt32 = 24
        let length = data.count
        var h: UInt32 = 0x9747_b28c ^ UInt32(truncatingIfNeeded: length)
        let blocks = length / 4
        for i in 0..<blocks {
            let base = i * 4
            var k = UInt32(data[base]) | UInt32(data[base + 1]) << 8 | UInt32(data[base + 2]) << 16
                | UInt32(data[base + 3]) << 24
            k = k &* m
            k ^= k >> r
            k = k &* m
            h = h &* m
            h ^= k
        }
        let tail = blocks * 4
        switch length % 4 {
        case 3:
            h ^= UInt32(data[tail + 2]) << 16
            fallthrough
        case 2:
            h ^= UInt32(data[tail + 1]) << 8
            fallthrough
        case 1:
            h ^= UInt32(data[tail])
            h = h &* m
        default:
            break
        }
        h ^= h >> 13
        h = h &* m
        h ^= h >> 15
        return Int32(bitPattern: h)
    }

    /// Java's `toPositive(murmur2(key)) % numPartitions`.
    public static func partition(forKey key: [UInt8], partitionCount: Int) -> Int32 {
        partition(forHash: keyHash(key), partitionCount: partitionCount)
    }

    /// Java's `toPositive(murmur2(key))`: computed where the record is laid out, before its
    /// partition count is known.
    static func keyHash(_ key: [UInt8]) -> Int32 {
        murmur2(key) & 0x7fff_ffff
    }

    static func partition(forHash hash: Int32, partitionCount: Int) -> Int32 {
        Int32(Int(hash) % partitionCount)
    }
}
