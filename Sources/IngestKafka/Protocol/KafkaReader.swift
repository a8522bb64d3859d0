import NIOCore

/// A cursor over a Kafka message that throws `KafkaProtocolError` instead of trapping on
/// truncated, oversized or nonsensical input.
package struct KafkaReader {
    package private(set) var buffer: ByteBuffer

    package init(_ buffer: ByteBuffer) {
        self.buffer = buffer
    }

    package init(bytes: [UInt8]) {
        self.buffer = ByteBuffer(bytes: bytes)
    }

    package var remaining: Int { buffer.readableBytes }

    private mutating func need(_ count: Int, _ what: String) throws {
        guard count >= 0 else { throw KafkaProtocolError("negative length \(count) for \(what)") }
        guard buffer.readableBytes >= count else {
            throw KafkaProtocolError.truncated(what, need: count, have: buffer.readableBytes)
        }
    }

    package mutating func int8(_ what: String = "int8") throws -> Int8 {
        try need(1, what)
        return buffer.readInteger(as: Int8.self)!
    }

    package mutating func int16(_ what: String = "int16") throws -> Int16 {
        try need(2, what)
        return buffer.readInteger(as: Int16.self)!
    }

    package mutating func int32(_ what: String = "int32") throws -> Int32 {
        try need(4, what)
        return buffer.readInteger(as: Int32.self)!
    }

    package mutating func uint32(_ what: String = "uint32") throws -> UInt32 {
        try need(4, what)
        return buffer.readInteger(as: UInt32.self)!
    }

    package mutating func int64(_ what: String = "int64") throws -> Int64 {
        try need(8, what)
        return buffer.readInteger(as: Int64.self)!
    }

    package mutating func bool(_ what: String = "bool") throws -> Bool {
        try int8(what) != 0
    }

    package mutating func uuid(_ what: String = "uuid") throws -> [UInt8] {
        try raw(16, what)
    }

    package mutating func raw(_ count: Int, _ what: String) throws -> [UInt8] {
        try need(count, what)
        return buffer.readBytes(length: count)!
    }

    package mutating func slice(_ count: Int, _ what: String) throws -> ByteBuffer {
        try need(count, what)
        return buffer.readSlice(length: count)!
    }

    /// Unsigned LEB128 varint, at most 5 bytes (32 bits) as Kafka specifies.
    package mutating func unsignedVarint(_ what: String = "unsigned varint") throws -> UInt32 {
        var result: UInt32 = 0
        var shift: UInt32 = 0
        while true {
            try need(1, what)
            let byte = buffer.readInteger(as: UInt8.self)!
            if shift == 28 && byte > 0x0F {
                throw KafkaProtocolError("\(what) longer than 32 bits")
            }
            result |= UInt32(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    /// Unsigned LEB128 varint, at most 10 bytes (64 bits).
    package mutating func unsignedVarlong(_ what: String = "unsigned varlong") throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            try need(1, what)
            let byte = buffer.readInteger(as: UInt8.self)!
            if shift == 63 && byte > 0x01 {
                throw KafkaProtocolError("\(what) longer than 64 bits")
            }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    /// Zigzag-encoded signed varint (record fields).
    package mutating func varint(_ what: String = "varint") throws -> Int32 {
        let raw = try unsignedVarint(what)
        return Int32(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    package mutating func varlong(_ what: String = "varlong") throws -> Int64 {
        let raw = try unsignedVarlong(what)
        return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    // MARK: strings and bytes

    package mutating func string(_ what: String = "string") throws -> String {
        guard let value = try nullableString(what) else {
            throw KafkaProtocolError("null \(what) where a value is required")
        }
        return value
    }

    package mutating func nullableString(_ what: String = "string") throws -> String? {
        let length = try int16("\(what) length")
        if length == -1 { return nil }
        return try utf8(Int(length), what)
    }

    package mutating func compactString(_ what: String = "compact string") throws -> String {
        guard let value = try compactNullableString(what) else {
            throw KafkaProtocolError("null \(what) where a value is required")
        }
        return value
    }

    package mutating func compactNullableString(_ what: String = "compact string") throws -> String? {
        let lengthPlusOne = try unsignedVarint("\(what) length")
        if lengthPlusOne == 0 { return nil }
        return try utf8(Int(lengthPlusOne - 1), what)
    }

    package mutating func string(flexible: Bool, _ what: String) throws -> String {
        flexible ? try compactString(what) : try string(what)
    }

    package mutating func nullableString(flexible: Bool, _ what: String) throws -> String? {
        flexible ? try compactNullableString(what) : try nullableString(what)
    }

    private mutating func utf8(_ count: Int, _ what: String) throws -> String {
        let bytes = try raw(count, what)
        guard let value = String(validating: bytes, as: UTF8.self) else {
            throw KafkaProtocolError("\(what) is not valid UTF-8")
        }
        return value
    }

    package mutating func nullableBytes(flexible: Bool, _ what: String) throws -> [UInt8]? {
        let length: Int
        if flexible {
            let lengthPlusOne = try unsignedVarint("\(what) length")
            if lengthPlusOne == 0 { return nil }
            length = Int(lengthPlusOne - 1)
        } else {
            let declared = try int32("\(what) length")
            if declared == -1 { return nil }
            length = Int(declared)
        }
        return try raw(length, what)
    }

    package mutating func bytes(flexible: Bool, _ what: String) throws -> [UInt8] {
        guard let value = try nullableBytes(flexible: flexible, what) else {
            throw KafkaProtocolError("null \(what) where a value is required")
        }
        return value
    }

    // MARK: arrays and tagged fields

    /// Reads an array length and checks it against the bytes left, so a hostile count cannot
    /// make us reserve memory or loop for nothing (each element takes at least `minElementSize`).
    package mutating func arrayCount(flexible: Bool, minElementSize: Int = 1, _ what: String) throws -> Int? {
        let count: Int
        if flexible {
            let countPlusOne = try unsignedVarint("\(what) count")
            if countPlusOne == 0 { return nil }
            count = Int(countPlusOne - 1)
        } else {
            let declared = try int32("\(what) count")
            if declared == -1 { return nil }
            guard declared >= 0 else { throw KafkaProtocolError("negative count \(declared) for \(what)") }
            count = Int(declared)
        }
        if count > remaining / max(minElementSize, 1) {
            throw KafkaProtocolError("\(what) claims \(count) elements but only \(remaining) bytes are left")
        }
        return count
    }

    package mutating func array<T>(
        flexible: Bool, minElementSize: Int = 1, _ what: String, _ element: (inout KafkaReader) throws -> T
    ) throws -> [T] {
        guard let count = try arrayCount(flexible: flexible, minElementSize: minElementSize, what) else {
            return []
        }
        var result: [T] = []
        result.reserveCapacity(count)
        for _ in 0..<count {
            result.append(try element(&self))
        }
        return result
    }

    /// Skips a tagged-field section: we need none of the optional tagged fields.
    package mutating func skipTaggedFields() throws {
        let count = try unsignedVarint("tagged field count")
        guard count <= remaining else {
            throw KafkaProtocolError("tagged field count \(count) exceeds the \(remaining) bytes left")
        }
        for _ in 0..<count {
            _ = try unsignedVarint("tag")
            let size = try unsignedVarint("tagged field size")
            _ = try slice(Int(size), "tagged field")
        }
    }
}
