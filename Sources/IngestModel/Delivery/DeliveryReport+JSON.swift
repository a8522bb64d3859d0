extension DeliveryReport {
    /// One JSON Lines object, as `ingest send` prints it (no newline).
    public var jsonLine: String {
        var out: [UInt8] = []
        appendJSONLine(to: &out)
        return String(decoding: out.dropLast(), as: UTF8.self)
    }

    /// Appends the JSON line and a newline, straight into bytes: at native speeds a String per
    /// report costs more than sending the record. Numbers and literals go through a stack
    /// buffer (`ByteCursor`); only strings go through the escaping writer.
    public func appendJSONLine(to out: inout [UInt8]) {
        // Longest fixed run between two strings: about 120 bytes (four 20-digit numbers, keys).
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 160) { buffer in
            var cursor = ByteCursor(start: buffer.baseAddress!)
            cursor.put("{\"seq\":")
            cursor.put(decimal: Int64(seq))
            cursor.put(",\"id\":")
            cursor.flush(to: &out)
            RecordEncoding.appendString(id, to: &out)
            switch outcome {
            case .delivered(let partition, let offset, let timestamp):
                cursor.put(",\"outcome\":\"delivered\",\"partition\":")
                cursor.put(decimal: Int64(partition))
                cursor.put(",\"offset\":")
                cursor.put(decimal: offset)
                if let timestamp {
                    cursor.put(",\"timestamp\":")
                    cursor.flush(to: &out)
                    RecordEncoding.appendString(timestamp, to: &out)
                }
            case .failed(let code, let message):
                cursor.put(",\"outcome\":\"failed\",\"error_code\":")
                cursor.put(decimal: Int64(code))
                cursor.put(",\"message\":")
                cursor.flush(to: &out)
                RecordEncoding.appendString(message, to: &out)
            case .unknown(let message):
                cursor.put(",\"outcome\":\"unknown\",\"message\":")
                cursor.flush(to: &out)
                RecordEncoding.appendString(message, to: &out)
            }
            if let latencyMilliseconds { cursor.put(latencyMilliseconds: latencyMilliseconds) }
            cursor.put("}\n")
            cursor.flush(to: &out)
        }
    }
}

extension DeliveredRange {
    /// The JSON line of each record, as `DeliveryReport.appendJSONLine` writes it, without
    /// making the reports: the id is the seq, a timestamp is escaped once per millisecond.
    public func appendJSONLines(to out: inout [UInt8], clock: TimestampClock) {
        // Between two flushes: one line's end (latency) and the next line up to its timestamp, under 200 bytes.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 256) { buffer in
            var cursor = ByteCursor(start: buffer.baseAddress!)
            var lastMilliseconds = Int64.min
            var stamp: [UInt8] = []
            for position in 0..<count {
                let seq = Int64(firstSeq + position)
                cursor.put("{\"seq\":")
                cursor.put(decimal: seq)
                cursor.put(",\"id\":\"")
                cursor.put(decimal: seq)
                cursor.put("\",\"outcome\":\"delivered\",\"partition\":")
                cursor.put(decimal: Int64(partition))
                cursor.put(",\"offset\":")
                cursor.put(decimal: offset(at: position))
                cursor.put(",\"timestamp\":")
                cursor.flush(to: &out)
                if timestampsMs[position] != lastMilliseconds {
                    lastMilliseconds = timestampsMs[position]
                    stamp.removeAll(keepingCapacity: true)
                    RecordEncoding.appendString(clock.timestamp(milliseconds: lastMilliseconds), to: &stamp)
                }
                out.append(contentsOf: stamp)
                if let latency = latenciesMs?[position] { cursor.put(latencyMilliseconds: latency) }
                cursor.put("}\n")
            }
            cursor.flush(to: &out)
        }
    }
}

extension ByteCursor {
    /// `,"latency_ms":1.234`: microsecond precision, without trailing zeros.
    @inline(__always)
    mutating func put(latencyMilliseconds: Double) {
        let micros = Int((latencyMilliseconds * 1000).rounded())
        put(",\"latency_ms\":")
        put(decimal: Int64(micros / 1000))
        let fraction = micros % 1000
        guard fraction != 0 else { return }
        put(byte: UInt8(ascii: "."))
        let hundreds = fraction / 100, tens = fraction / 10 % 10, ones = fraction % 10
        put(byte: UInt8(ascii: "0") + UInt8(hundreds))
        if tens != 0 || ones != 0 { put(byte: UInt8(ascii: "0") + UInt8(tens)) }
        if ones != 0 { put(byte: UInt8(ascii: "0") + UInt8(ones)) }
    }
}
