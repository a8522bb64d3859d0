extension DeliveryReport {
    /// One JSON Lines object, as `ingest send` prints it (no newline).
    public var jsonLine: String {
        var out: [UInt8] = []
        appendJSONLine(to: &out)
        return String(decoding: out.dropLast(), as: UTF8.self)
    }

    /// Appends the JSON line and a newline, straight into bytes: at native speeds a String per
    /// report costs more than sending the record.
    public func appendJSONLine(to out: inout [UInt8]) {
        out.appendLiteral("{\"seq\":")
        append(seq, to: &out)
        out.appendLiteral(",\"id\":")
        RecordEncoding.appendString(id, to: &out)
        switch outcome {
        case .delivered: out.appendLiteral(",\"outcome\":\"delivered\"")
        case .failed: out.appendLiteral(",\"outcome\":\"failed\"")
        case .unknown: out.appendLiteral(",\"outcome\":\"unknown\"")
        }
        switch outcome {
        case .delivered(let partition, let offset, let timestamp):
            out.appendLiteral(",\"partition\":")
            append(partition, to: &out)
            out.appendLiteral(",\"offset\":")
            append(Int(offset), to: &out)
            if let timestamp {
                out.appendLiteral(",\"timestamp\":")
                RecordEncoding.appendString(timestamp, to: &out)
            }
        case .failed(let code, let message):
            out.appendLiteral(",\"error_code\":")
            append(code, to: &out)
            out.appendLiteral(",\"message\":")
            RecordEncoding.appendString(message, to: &out)
        case .unknown(let message):
            out.appendLiteral(",\"message\":")
            RecordEncoding.appendString(message, to: &out)
        }
        if let latencyMilliseconds {
            // Microsecond precision, as "1.234".
            let micros = Int((latencyMilliseconds * 1000).rounded())
            out.appendLiteral(",\"latency_ms\":")
            append(micros / 1000, to: &out)
            let fraction = micros % 1000
            if fraction != 0 {
                // Three decimals without their trailing zeros.
                out.append(UInt8(ascii: "."))
                let hundreds = fraction / 100, tens = fraction / 10 % 10, ones = fraction % 10
                out.append(UInt8(ascii: "0") + UInt8(hundreds))
                if tens != 0 || ones != 0 { out.append(UInt8(ascii: "0") + UInt8(tens)) }
                if ones != 0 { out.append(UInt8(ascii: "0") + UInt8(ones)) }
            }
        }
        out.appendLiteral("}\n")
    }

    /// Decimal digits straight into the buffer, without a String.
    @inline(__always)
    private func append(_ value: Int, to out: inout [UInt8]) {
        if value < 0 { out.append(UInt8(ascii: "-")) }
        var rest = value.magnitude
        var digits = 1
        var probe = rest
        while probe >= 10 {
            probe /= 10
            digits += 1
        }
        let end = out.count + digits
        out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: digits))
        out.withUnsafeMutableBufferPointer { buffer in
            var at = end - 1
            repeat {
                buffer[at] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
                at -= 1
            } while rest > 0
        }
    }
}

extension Array where Element == UInt8 {
    /// A literal's bytes, copied as one block.
    @inline(__always)
    mutating func appendLiteral(_ literal: StaticString) {
        append(contentsOf: UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }
}
