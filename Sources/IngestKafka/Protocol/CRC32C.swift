import NIOCore

/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of RecordBatch v2.
/// Slicing-by-8 tables: batches are checksummed on every send, so this is on the hot path.
enum CRC32C {
    private static let tables: [[UInt32]] = {
        var tables = [[UInt32]](repeating: [UInt32](repeating: 0, count: 256), count: 8)
        for i in 0..<256 {
            var crc = UInt32(i)
            for _ in 0..<8 {
                crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1
            }
            tables[0][i] = crc
        }
        for i in 0..<256 {
            for t in 1..<8 {
                let previous = tables[t - 1][i]
                tables[t][i] = (previous >> 8) ^ tables[0][Int(previous & 0xFF)]
            }
        }
        return tables
    }()

    static func checksum(_ bytes: some Sequence<UInt8>) -> UInt32 {
        if let result = bytes.withContiguousStorageIfAvailable({ checksum($0) }) {
            return result
        }
        return checksum(Array(bytes))
    }

    static func checksum(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt32 {
        update(0xFFFF_FFFF, bytes) ^ 0xFFFF_FFFF
    }

    /// The checksum of several pieces taken as one sequence of bytes.
    static func checksum(_ pieces: [ByteBuffer]) -> UInt32 {
        var state: UInt32 = 0xFFFF_FFFF
        for piece in pieces {
            state = piece.withUnsafeReadableBytes { (raw: UnsafeRawBufferPointer) -> UInt32 in
                update(state, raw.bindMemory(to: UInt8.self))
            }
        }
        return state ^ 0xFFFF_FFFF
    }

    /// Runs the register over `bytes` (no initial or final inversion).
    private static func update(_ state: UInt32, _ bytes: UnsafeBufferPointer<UInt8>) -> UInt32 {
        let t = tables
        var crc = state
        var index = 0
        let count = bytes.count
        t[0].withUnsafeBufferPointer { t0 in
            t[1].withUnsafeBufferPointer { t1 in
                t[2].withUnsafeBufferPointer { t2 in
                    t[3].withUnsafeBufferPointer { t3 in
                        t[4].withUnsafeBufferPointer { t4 in
                            t[5].withUnsafeBufferPointer { t5 in
                                t[6].withUnsafeBufferPointer { t6 in
                                    t[7].withUnsafeBufferPointer { t7 in
                                        while count - index >= 8 {
                                            let low = crc ^ (UInt32(bytes[index]) | UInt32(bytes[index + 1]) << 8
                                                | UInt32(bytes[index + 2]) << 16 | UInt32(bytes[index + 3]) << 24)
                                            crc = t7[Int(low & 0xFF)] ^ t6[Int((low >> 8) & 0xFF)]
                                                ^ t5[Int((low >> 16) & 0xFF)] ^ t4[Int(low >> 24)]
                                                ^ t3[Int(bytes[index + 4])] ^ t2[Int(bytes[index + 5])]
                                                ^ t1[Int(bytes[index + 6])] ^ t0[Int(bytes[index + 7])]
                                            index += 8
                                        }
                                        while index < count {
                                            crc = (crc >> 8) ^ t0[Int((crc ^ UInt32(bytes[index])) & 0xFF)]
                                            index += 1
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return crc
    }
}
