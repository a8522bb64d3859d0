import NIOCore

/// Kafka primitive encodings on top of `ByteBuffer` (big-endian integers, varints,
/// classic and compact strings/bytes/arrays, tagged-field sections).
extension ByteBuffer {
    package mutating func writeUnsignedVarint(_ value: UInt32) {
        var value = value
        while value >= 0x80 {
            writeInteger(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        writeInteger(UInt8(value))
    }

    package mutating func writeUnsignedVarlong(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            writeInteger(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        writeInteger(UInt8(value))
    }

    package mutating func writeVarint(_ value: Int32) {
        writeUnsignedVarint(UInt32(bitPattern: (value << 1) ^ (value >> 31)))
    }

    package mutating func writeVarlong(_ value: Int64) {
        writeUnsignedVarlong(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    package mutating func writeKafkaString(_ value: String?, flexible: Bool) {
        guard let value else {
            if flexible { writeUnsignedVarint(0) } else { writeInteger(Int16(-1)) }
            return
        }
        let utf8 = Array(value.utf8)
        if flexible {
            writeUnsignedVarint(UInt32(utf8.count + 1))
        } else {
            writeInteger(Int16(utf8.count))
        }
        writeBytes(utf8)
    }

    package mutating func writeKafkaBytes(_ value: [UInt8]?, flexible: Bool) {
        guard let value else {
            if flexible { writeUnsignedVarint(0) } else { writeInteger(Int32(-1)) }
            return
        }
        writeKafkaBytesLength(value.count, flexible: flexible)
        writeBytes(value)
    }

    package mutating func writeKafkaBytes(_ value: ByteBuffer, flexible: Bool) {
        writeKafkaBytesLength(value.readableBytes, flexible: flexible)
        writeImmutableBuffer(value)
    }

    package mutating func writeKafkaBytesLength(_ count: Int, flexible: Bool) {
        if flexible {
            writeUnsignedVarint(UInt32(count + 1))
        } else {
            writeInteger(Int32(count))
        }
    }

    package mutating func writeKafkaArrayCount(_ count: Int?, flexible: Bool) {
        guard let count else {
            if flexible { writeUnsignedVarint(0) } else { writeInteger(Int32(-1)) }
            return
        }
        if flexible {
            writeUnsignedVarint(UInt32(count + 1))
        } else {
            writeInteger(Int32(count))
        }
    }

    /// An empty tagged-field section; only written in flexible versions.
    package mutating func writeEmptyTaggedFields(flexible: Bool) {
        if flexible { writeUnsignedVarint(0) }
    }

    package mutating func writeKafkaBool(_ value: Bool) {
        writeInteger(Int8(value ? 1 : 0))
    }
}
