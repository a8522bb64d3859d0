/// SipHash-2-4 with 128-bit output (Aumasson and Bernstein; the reference `siphash.c` with
/// `outlen == 16`), fed incrementally. Checked against the reference `vectors_sip128`.
struct SipHash128 {
    private var v0: UInt64
    private var v1: UInt64
    private var v2: UInt64
    private var v3: UInt64
    /// Bytes not yet a whole word, little-endian, and how many.
    private var tail: UInt64 = 0
    private var tailCount = 0
    private var total = 0

    init(key: (UInt64, UInt64)) {
        v0 = 0x736F_6D65_7073_6575 ^ key.0
        v1 = 0x646F_7261_6E64_6F6D ^ key.1 ^ 0xEE
        v2 = 0x6C79_6765_6E65_7261 ^ key.0
        v3 = 0x7465_6462_7974_6573 ^ key.1
    }

    @inline(__always)
    private mutating func round() {
        v0 &+= v1; v1 = v1.rotatedLeft(13); v1 ^= v0; v0 = v0.rotatedLeft(32)
        v2 &+= v3; v3 = v3.rotatedLeft(16); v3 ^= v2
        v0 &+= v3; v3 = v3.rotatedLeft(21); v3 ^= v0
        v2 &+= v1; v1 = v1.rotatedLeft(17); v1 ^= v2; v2 = v2.rotatedLeft(32)
    }

    @inline(__always)
    private mutating func compress(_ word: UInt64) {
        v3 ^= word
        round()
        round()
        v0 ^= word
    }

    /// Eight bytes, as `update` of their little-endian form would take them.
    mutating func update(word: UInt64) {
        if tailCount == 0 {
            compress(word)
            total += 8
        } else {
            withUnsafeBytes(of: word.littleEndian) { update($0) }
        }
    }

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        var at = 0
        let count = bytes.count
        total += count
        if tailCount > 0 {
            while tailCount < 8 && at < count {
                tail |= UInt64(bytes[at]) << UInt64(8 * tailCount)
                tailCount += 1
                at += 1
            }
            guard tailCount == 8 else { return }
            compress(tail)
            tail = 0
            tailCount = 0
        }
        while count - at >= 8 {
            compress(UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt64.self)))
            at += 8
        }
        while at < count {
            tail |= UInt64(bytes[at]) << UInt64(8 * tailCount)
            tailCount += 1
            at += 1
        }
    }

    /// The two output words; their little-endian bytes, first then second, are the reference's 16 bytes.
    mutating func finalize() -> (UInt64, UInt64) {
        compress(UInt64(truncatingIfNeeded: total) << 56 | tail)
        v2 ^= 0xEE
        for _ in 0..<4 { round() }
        let first = v0 ^ v1 ^ v2 ^ v3
        v1 ^= 0xDD
        for _ in 0..<4 { round() }
        return (first, v0 ^ v1 ^ v2 ^ v3)
    }
}

extension UInt64 {
    @inline(__always)
    fileprivate func rotatedLeft(_ count: UInt64) -> UInt64 {
        (self << count) | (self >> (64 - count))
    }
}
