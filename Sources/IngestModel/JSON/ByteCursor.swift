/// A write position in a stack buffer that the caller sized for what it puts: the fixed parts
/// of a journal entry or a report line are written with raw stores and appended to the output
/// in one copy (`flush`), not byte run by byte run through `Array.append`'s checks.
public struct ByteCursor {
    public let start: UnsafeMutablePointer<UInt8>
    public var at: UnsafeMutablePointer<UInt8>

    @inlinable
    public init(start: UnsafeMutablePointer<UInt8>) {
        self.start = start
        self.at = start
    }

    @inlinable @inline(__always)
    public mutating func put(_ text: StaticString) {
        let count = text.utf8CodeUnitCount
        at.update(from: text.utf8Start, count: count)
        at += count
    }

    @inlinable @inline(__always)
    public mutating func put(byte: UInt8) {
        at.pointee = byte
        at += 1
    }

    /// Up to 20 digits and a sign.
    @inlinable @inline(__always)
    public mutating func put(decimal value: Int64) {
        if value < 0 { at.pointee = UInt8(ascii: "-"); at += 1 }
        var magnitude = value.magnitude
        var digits = 1
        var bound: UInt64 = 10
        while magnitude >= bound && digits < 19 { digits += 1; bound &*= 10 }
        if magnitude >= bound { digits = 20 }
        var position = at + digits
        at = position
        repeat {
            position -= 1
            position.pointee = UInt8(truncatingIfNeeded: 48 + magnitude % 10)
            magnitude /= 10
        } while magnitude > 0
    }

    /// Appends what was put since the last flush to `out`, and starts again at the buffer's start.
    @inlinable
    public mutating func flush(to out: inout [UInt8]) {
        out.append(contentsOf: UnsafeBufferPointer(start: start, count: at - start))
        at = start
    }
}
