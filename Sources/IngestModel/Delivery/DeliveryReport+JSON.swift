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
        out.append(contentsOf: "{\"seq\":".utf8)
        append(seq, to: &out)
        out.append(contentsOf: ",\"id\":".utf8)
        RecordEncoding.appendString(id, to: &out)
        out.append(contentsOf: ",\"outcome\":\"".utf8)
        out.append(contentsOf: outcome.name.utf8)
        out.append(UInt8(ascii: "\""))
        switch outcome {
        case .delivered(let partition, let offset, let timestamp):
            out.append(contentsOf: ",\"partition\":".utf8)
            append(partition, to: &out)
            out.append(contentsOf: ",\"offset\":".utf8)
            append(Int(offset), to: &out)
            if let timestamp {
                out.append(contentsOf: ",\"timestamp\":".utf8)
                RecordEncoding.appendString(timestamp, to: &out)
            }
        case .failed(let code, let message):
            out.append(contentsOf: ",\"error_code\":".utf8)
            append(code, to: &out)
            out.append(contentsOf: ",\"message\":".utf8)
            RecordEncoding.appendString(message, to: &out)
        case .unknown(let message):
            out.append(contentsOf: ",\"message\":".utf8)
            RecordEncoding.appendString(message, to: &out)
        }
        if let latencyMilliseconds {
            // Microsecond precision, as "1.234".
            let micros = Int((latencyMilliseconds * 1000).rounded())
            out.append(contentsOf: ",\"latency_ms\":".utf8)
            append(micros / 1000, to: &out)
            let fraction = micros % 1000
            if fraction != 0 {
                out.append(UInt8(ascii: "."))
                var digits = [UInt8(ascii: "0") + UInt8(fraction / 100), UInt8(ascii: "0") + UInt8(fraction / 10 % 10), UInt8(ascii: "0") + UInt8(fraction % 10)]
                while digits.last == UInt8(ascii: "0") { digits.removeLast() }
                out.append(contentsOf: digits)
            }
        }
        out.append(contentsOf: "}\n".utf8)
    }

    private func append(_ value: Int, to out: inout [UInt8]) {
        if value < 0 {
            out.append(UInt8(ascii: "-"))
            append(-value, to: &out)
            return
        }
        if value < 10 {
            out.append(UInt8(ascii: "0") + UInt8(value))
            return
        }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        var rest = value
        withUnsafeMutableBytes(of: &digits) { buffer in
            while rest > 0 {
                buffer[count] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
                count += 1
            }
            for index in stride(from: count - 1, through: 0, by: -1) { out.append(buffer[index]) }
        }
    }
}
