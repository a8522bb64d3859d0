#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Finds bytes in bytes with the C library's `memchr` (vectorised) for the first byte, then a
/// plain byte loop for the rest: these scans run over every record and every output line.
/// Not `memcmp`: glibc's AVX-512 variant does a masked 32-byte load even for a 6-byte needle,
/// and that load cost 30% of a native send's CPU (perf, 1M records).
public enum ByteSearch {
    /// The offset of the first `needle` in `hay` at or after `start`, or nil.
    public static func firstIndex(of needle: UnsafeRawBufferPointer, in hay: UnsafeRawBufferPointer, from start: Int = 0) -> Int? {
        guard needle.count > 0, let hayBase = hay.baseAddress, let needleBase = needle.baseAddress else { return nil }
        let first = Int32(needle[0])
        var at = start
        while hay.count - at >= needle.count {
            guard let found = memchr(hayBase + at, first, hay.count - at - needle.count + 1) else { return nil }
            let offset = hayBase.distance(to: UnsafeRawPointer(found))
            if equal(hayBase + offset, needleBase, needle.count) { return offset }
            at = offset + 1
        }
        return nil
    }

    @inline(__always)
    private static func equal(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ count: Int) -> Bool {
        var index = 1  // the first byte matched already (memchr)
        while index < count {
            if a.load(fromByteOffset: index, as: UInt8.self) != b.load(fromByteOffset: index, as: UInt8.self) { return false }
            index += 1
        }
        return true
    }

    public static func contains(_ needle: StaticString, in bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { hay in
            firstIndex(of: UnsafeRawBufferPointer(start: needle.utf8Start, count: needle.utf8CodeUnitCount), in: hay) != nil
        }
    }
}

extension ByteSearch {
    /// The offset of the first byte at or after `start` that ends plain string text: `"`, `\`,
    /// a control byte (below 0x20) or a non-ASCII byte; `count` if none. Eight bytes at a time
    /// (SWAR): most of a record is plain text inside strings, and scanning it byte by byte was
    /// the largest cost of reading a file.
    @inlinable
    public static func endOfPlainText(_ base: UnsafePointer<UInt8>, from start: Int, count: Int) -> Int {
        var at = start
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        while count - at >= 8 {
            let word = UInt64(littleEndian: UnsafeRawPointer(base + at).loadUnaligned(as: UInt64.self))
            let quote = word ^ (ones &* 0x22)
            let backslash = word ^ (ones &* 0x5C)
            // A zero byte in v: (v - 0x01..) & ~v & 0x80..; a byte below 0x20: (w - 0x20..) & ~w & 0x80..
            let special = (((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash) | ((word &- ones &* 0x20) & ~word) | word) & highs
            // A borrow only flags bytes above a truly special one, so the lowest flag is exact.
            if special != 0 { return at + special.trailingZeroBitCount / 8 }
            at += 8
        }
        while at < count {
            let byte = base[at]
            if byte == 0x22 || byte == 0x5C || byte < 0x20 || byte >= 0x80 { return at }
            at += 1
        }
        return count
    }
}
