#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Finds bytes in bytes with the C library's `memchr` (vectorised) for the first byte, then
/// `memcmp`: these scans run over every record and every output line.
public enum ByteSearch {
    /// The offset of the first `needle` in `hay` at or after `start`, or nil.
    public static func firstIndex(of needle: UnsafeRawBufferPointer, in hay: UnsafeRawBufferPointer, from start: Int = 0) -> Int? {
        guard needle.count > 0, let hayBase = hay.baseAddress, let needleBase = needle.baseAddress else { return nil }
        let first = Int32(needle[0])
        var at = start
        while hay.count - at >= needle.count {
            guard let found = memchr(hayBase + at, first, hay.count - at - needle.count + 1) else { return nil }
            let offset = hayBase.distance(to: UnsafeRawPointer(found))
            if memcmp(hayBase + offset, needleBase, needle.count) == 0 { return offset }
            at = offset + 1
        }
        return nil
    }

    public static func contains(_ needle: StaticString, in bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { hay in
            firstIndex(of: UnsafeRawBufferPointer(start: needle.utf8Start, count: needle.utf8CodeUnitCount), in: hay) != nil
        }
    }
}
