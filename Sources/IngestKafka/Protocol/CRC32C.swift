import CCRC32C
import NIOCore

/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of RecordBatch v2.
/// Every batch is checksummed when it goes, so this is on the hot path: the CPU's CRC32
/// instruction when it has one (through `CCRC32C`), else slicing-by-16 with 64-bit loads.
enum CRC32C {
    static let hardwareAvailable = ingest_crc32c_hardware_available() != 0

    /// 16 tables of 256 entries, one after the other; table k advances the register by k more bytes.
    nonisolated(unsafe) private static let table: UnsafePointer<UInt32> = {
        let table = UnsafeMutablePointer<UInt32>.allocate(capacity: 16 * 256)
        for i in 0..<256 {
            var crc = UInt32(i)
            for _ in 0..<8 {
                crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1
            }
            table[i] = crc
        }
        for k in 1..<16 {
            for i in 0..<256 {
                let previous = table[(k - 1) * 256 + i]
                table[k * 256 + i] = (previous >> 8) ^ table[Int(previous & 0xFF)]
            }
        }
        return UnsafePointer(table)
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
        guard let pointer = bytes.baseAddress else { return state }
        if hardwareAvailable { return ingest_crc32c_hardware_update(state, pointer, bytes.count) }
        return softwareUpdate(state, bytes)
    }

    /// Slicing-by-16; internal so tests compare it with the hardware path.
    static func softwareUpdate(_ state: UInt32, _ bytes: UnsafeBufferPointer<UInt8>) -> UInt32 {
        guard var pointer = bytes.baseAddress else { return state }
        let t = table
        var crc = state
        var remaining = bytes.count
        while remaining >= 16 {
            let raw = UnsafeRawPointer(pointer)
            let a = UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self)) ^ UInt64(crc)
            let b = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
            crc = t[15 * 256 + Int(a & 0xFF)] ^ t[14 * 256 + Int((a >> 8) & 0xFF)]
                ^ t[13 * 256 + Int((a >> 16) & 0xFF)] ^ t[12 * 256 + Int((a >> 24) & 0xFF)]
                ^ t[11 * 256 + Int((a >> 32) & 0xFF)] ^ t[10 * 256 + Int((a >> 40) & 0xFF)]
                ^ t[9 * 256 + Int((a >> 48) & 0xFF)] ^ t[8 * 256 + Int(a >> 56)]
                ^ t[7 * 256 + Int(b & 0xFF)] ^ t[6 * 256 + Int((b >> 8) & 0xFF)]
                ^ t[5 * 256 + Int((b >> 16) & 0xFF)] ^ t[4 * 256 + Int((b >> 24) & 0xFF)]
                ^ t[3 * 256 + Int((b >> 32) & 0xFF)] ^ t[2 * 256 + Int((b >> 40) & 0xFF)]
                ^ t[1 * 256 + Int((b >> 48) & 0xFF)] ^ t[Int(b >> 56)]
            pointer += 16
            remaining -= 16
        }
        while remaining > 0 {
            crc = (crc >> 8) ^ t[Int((crc ^ UInt32(pointer.pointee)) & 0xFF)]
            pointer += 1
            remaining -= 1
        }
        return crc
    }
}
