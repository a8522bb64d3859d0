import NIOCore
import Testing
import TestSupport

@testable import IngestKafka

@Suite struct WireCodecTests {
    @Test func unsignedVarintKnownEncodings() throws {
        let cases: [(UInt32, [UInt8])] = [
            (0, [0x00]), (1, [0x01]), (127, [0x7F]), (128, [0x80, 0x01]), (300, [0xAC, 0x02]),
            (UInt32.max, [0xFF, 0xFF, 0xFF, 0xFF, 0x0F]),
        ]
        for (value, bytes) in cases {
            var buffer = ByteBuffer()
            buffer.writeUnsignedVarint(value)
            #expect(Array(buffer.readableBytesView) == bytes)
            var reader = KafkaReader(bytes: bytes)
            #expect(try reader.unsignedVarint() == value)
        }
    }

    @Test func zigzagVarintRoundTrip() throws {
        let cases: [(Int32, [UInt8])] = [(0, [0x00]), (-1, [0x01]), (1, [0x02]), (-2, [0x03]), (63, [0x7E]), (-64, [0x7F])]
        for (value, bytes) in cases {
            var buffer = ByteBuffer()
            buffer.writeVarint(value)
            #expect(Array(buffer.readableBytesView) == bytes)
        }
        for value in [Int64.min, -1_000_000_000_000, -1, 0, 1, 1_700_000_000_000, Int64.max] {
            var buffer = ByteBuffer()
            buffer.writeVarlong(value)
            #expect(buffer.readableBytes == RecordBatch.varintSize(value))
            var reader = KafkaReader(buffer)
            #expect(try reader.varlong() == value)
        }
    }

    @Test func overlongVarintThrows() {
        var reader = KafkaReader(bytes: [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01])
        #expect(throws: KafkaProtocolError.self) { try reader.unsignedVarint() }
    }

    @Test func crc32cCheckValue() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8]()) == 0)
        // Slicing path and byte path must agree at every length.
        let data = (0..<100).map { UInt8(truncatingIfNeeded: $0 &* 37) }
        for length in 0...data.count {
            var crc: UInt32 = 0xFFFF_FFFF
            for byte in data[..<length] {
                crc ^= UInt32(byte)
                for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
            }
            #expect(CRC32C.checksum(Array(data[..<length])) == crc ^ 0xFFFF_FFFF)
        }
        // In pieces (a batch header, then its records) as in one.
        for cut in 0...data.count {
            let pieces = [ByteBuffer(bytes: data[..<cut]), ByteBuffer(bytes: data[cut...])]
            #expect(CRC32C.checksum(pieces) == CRC32C.checksum(data))
        }
    }

    @Test func crc32cHardwareAndSoftwareAgree() {
        // Whichever path this machine takes, the other is checked against it: every length
        // up to 300 (all tails of the 8- and 16-byte loops) and unaligned starts.
        var generator = SeededRandom(seed: 0xC5C3_2C)
        let data = (0..<320).map { _ in UInt8.random(in: 0...255, using: &generator) }
        data.withUnsafeBufferPointer { all in
            for start in 0..<8 {
                for length in 0...(300 - start) {
                    let slice = UnsafeBufferPointer(rebasing: all[start..<(start + length)])
                    let software = CRC32C.softwareUpdate(0xFFFF_FFFF, slice) ^ 0xFFFF_FFFF
                    #expect(CRC32C.checksum(slice) == software, "start \(start), length \(length)")
                }
            }
        }
        let check = Array("123456789".utf8).withUnsafeBufferPointer { CRC32C.softwareUpdate(0xFFFF_FFFF, $0) ^ 0xFFFF_FFFF }
        #expect(check == 0xE306_9283)
        #if arch(x86_64)
        // Every x86-64 machine this runs on since 2008 has SSE 4.2; if this fails, the shim's detection broke.
        #expect(CRC32C.hardwareAvailable)
        #endif
    }

    @Test func requestHeaderV1AndV2() {
        let v0 = KafkaFraming.encode(ApiVersionsRequest(version: 0), correlationID: 7, clientID: "ab")
        #expect(Array(v0.readableBytesView) == [0, 0, 0, 12, 0, 18, 0, 0, 0, 0, 0, 7, 0, 2, 0x61, 0x62])
        let v3 = KafkaFraming.encode(
            ApiVersionsRequest(version: 3, clientSoftwareName: "x", clientSoftwareVersion: "1"), correlationID: 1,
            clientID: nil)
        // header v2: client id null (classic int16 -1), empty tags; body: compact strings, empty tags.
        #expect(
            Array(v3.readableBytesView) == [0, 0, 0, 16, 0, 18, 0, 3, 0, 0, 0, 1, 0xFF, 0xFF, 0, 2, 0x78, 2, 0x31, 0])
    }

    @Test func apiVersionsV3DecodeAndNegotiation() throws {
        var body = ByteBuffer()
        body.writeInteger(Int32(1))  // correlation id (header v0: no tags even though flexible)
        body.writeInteger(Int16(0))
        body.writeUnsignedVarint(4)  // 3 entries
        for (key, low, high) in [(Int16(0), Int16(0), Int16(12)), (3, 0, 13), (22, 0, 5)] {
            body.writeInteger(key)
            body.writeInteger(low)
            body.writeInteger(high)
            body.writeUnsignedVarint(0)
        }
        body.writeInteger(Int32(0))
        // one tagged field (e.g. SupportedFeatures) that must be skipped
        body.writeUnsignedVarint(1)
        body.writeUnsignedVarint(0)
        body.writeUnsignedVarint(2)
        body.writeBytes([9, 9])
        let response = try KafkaFraming.decode(ApiVersionsResponse.self, frame: body, apiKey: .apiVersions, version: 3)
        #expect(response.apiKeys.count == 3)
        #expect(response.negotiatedVersion(for: .produce) == 11)
        #expect(response.negotiatedVersion(for: .metadata) == 12)
        #expect(response.negotiatedVersion(for: .initProducerId) == 4)
        #expect(response.negotiatedVersion(for: .saslHandshake) == nil)
    }

    @Test func unsupportedVersionAnswerIsReadInV0Layout() throws {
        var body = ByteBuffer()
        body.writeInteger(Int32(1))
        body.writeInteger(Int16(35))
        body.writeInteger(Int32(1))
        body.writeInteger(Int16(18))
        body.writeInteger(Int16(0))
        body.writeInteger(Int16(2))
        let response = try KafkaFraming.decode(ApiVersionsResponse.self, frame: body, apiKey: .apiVersions, version: 3)
        #expect(response.errorCode == 35)
        #expect(response.negotiatedVersion(for: .apiVersions) == 2)
    }

    static let sampleRecords = [
        KafkaRecord(key: Array("k1".utf8), value: Array("hello".utf8), headers: [], timestampMs: 1_700_000_000_000),
        KafkaRecord(key: nil, value: nil, headers: [KafkaHeader(name: "h", value: nil)], timestampMs: 1_699_999_999_000),
        KafkaRecord(
            key: [], value: Array(repeating: 0xAB, count: 300),
            headers: [KafkaHeader(name: "trace-id", value: [1, 2, 3]), KafkaHeader(name: "é", value: [])],
            timestampMs: 1_700_000_000_500),
    ]

    @Test func recordBatchRoundTrip() throws {
        let stamp = ProducerStamp(producerID: 4242, epoch: 3, baseSequence: 17)
        let batch = RecordBatch.encode(Self.sampleRecords, stamp: stamp)
        var reader = KafkaReader(batch)
        #expect(try reader.int64() == 0)
        #expect(try reader.int32() == Int32(batch.readableBytes - 12))
        _ = try reader.int32()
        #expect(try reader.int8() == 2)
        _ = try reader.uint32()
        #expect(try reader.int16() == 0)
        #expect(try reader.int32() == 2)  // last offset delta
        #expect(try reader.int64() == 1_700_000_000_000)  // base timestamp = first record's
        #expect(try reader.int64() == 1_700_000_000_500)  // max timestamp
        #expect(try reader.int64() == 4242)
        #expect(try reader.int16() == 3)
        #expect(try reader.int32() == 17)
        #expect(try reader.int32() == 3)
        let decoded = try RecordBatch.decode(recordSet: batch)
        #expect(decoded.map(\.record) == Self.sampleRecords)
        #expect(decoded.map(\.offset) == [0, 1, 2])
    }

    @Test func recordBatchCRCIsChecked() throws {
        var batch = RecordBatch.encode(Self.sampleRecords)
        let last = batch.writerIndex - 1
        batch.setInteger(batch.getInteger(at: last, as: UInt8.self)! ^ 0xFF, at: last)
        #expect(throws: KafkaProtocolError("record batch CRC mismatch")) { try RecordBatch.decode(recordSet: batch) }
    }

    @Test func produceRequestAndResponse() throws {
        let batch = RecordBatch.encode(Self.sampleRecords)
        for version in KafkaAPIKey.produce.supportedVersions {
            let request = ProduceRequest(
                version: version, timeoutMs: 30_000,
                topics: [.init(topic: "t", partitions: [.init(partition: 2, batch: batch)])])
            let frame = KafkaFraming.encode(request, correlationID: 9, clientID: "c")
            #expect(frame.getInteger(at: 0, as: Int32.self) == Int32(frame.readableBytes - 4))
            let flexible = version >= 9
            var response = ByteBuffer()
            response.writeInteger(Int32(9))
            response.writeEmptyTaggedFields(flexible: flexible)
            response.writeKafkaArrayCount(1, flexible: flexible)
            response.writeKafkaString("t", flexible: flexible)
            response.writeKafkaArrayCount(1, flexible: flexible)
            response.writeInteger(Int32(2))
            response.writeInteger(Int16(0))
            response.writeInteger(Int64(100))
            response.writeInteger(Int64(-1))
            if version >= 5 { response.writeInteger(Int64(0)) }
            if version >= 8 {
                response.writeKafkaArrayCount(0, flexible: flexible)
                response.writeKafkaString(nil, flexible: flexible)
            }
            response.writeEmptyTaggedFields(flexible: flexible)
            response.writeEmptyTaggedFields(flexible: flexible)
            response.writeInteger(Int32(0))
            response.writeEmptyTaggedFields(flexible: flexible)
            let decoded = try KafkaFraming.decode(ProduceResponse.self, frame: response, apiKey: .produce, version: version)
            #expect(decoded.topics == [.init(topic: "t", partitions: [.init(partition: 2, errorCode: 0, baseOffset: 100, logAppendTimeMs: -1, errorMessage: nil)])])
        }
    }

    /// Every decoder must throw, never trap, on truncated and random input.
    @Test func malformedInputNeverCrashes() throws {
        var valid: [(ByteBuffer, (ByteBuffer) throws -> Void)] = []
        let batch = RecordBatch.encode(Self.sampleRecords, stamp: .init(producerID: 1, epoch: 0, baseSequence: 0))
        valid.append((batch, { _ = try RecordBatch.decode(recordSet: $0) }))
        valid.append((batch, { _ = try RecordBatch.decodeBatch($0) }))
        for version in KafkaAPIKey.metadata.supportedVersions {
            valid.append((MetadataFixtures.response(version: version), {
                _ = try KafkaFraming.decode(MetadataResponse.self, frame: $0, apiKey: .metadata, version: version)
            }))
        }
        for version in KafkaAPIKey.apiVersions.supportedVersions {
            valid.append((ByteBuffer(bytes: [0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0]), {
                _ = try KafkaFraming.decode(ApiVersionsResponse.self, frame: $0, apiKey: .apiVersions, version: version)
            }))
        }
        for version in KafkaAPIKey.produce.supportedVersions {
            valid.append((ByteBuffer(bytes: [0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 0x74, 0, 0, 0, 1] + Array(repeating: 0, count: 40)), {
                _ = try KafkaFraming.decode(ProduceResponse.self, frame: $0, apiKey: .produce, version: version)
            }))
        }
        for version in KafkaAPIKey.saslAuthenticate.supportedVersions {
            valid.append((ByteBuffer(bytes: [0, 0, 0, 1, 0, 0, 0xFF, 0xFF, 0, 0, 0, 1, 0x41] + Array(repeating: 0, count: 9)), {
                _ = try KafkaFraming.decode(SaslAuthenticateResponse.self, frame: $0, apiKey: .saslAuthenticate, version: version)
            }))
        }
        var generator = SeededRandom(seed: 0x5EED)
        for (input, decode) in valid {
            let bytes = Array(input.readableBytesView)
            // Every truncation point.
            for cut in 0..<bytes.count {
                _ = try? decode(ByteBuffer(bytes: bytes[..<cut]))
            }
            // Random byte flips and pure garbage.
            for _ in 0..<300 {
                var mutated = bytes
                for _ in 0..<Int.random(in: 1...4, using: &generator) where !mutated.isEmpty {
                    mutated[Int.random(in: 0..<mutated.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
                }
                _ = try? decode(ByteBuffer(bytes: mutated))
                let garbage = (0..<Int.random(in: 0...64, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
                _ = try? decode(ByteBuffer(bytes: garbage))
            }
        }
        // Hostile lengths are reported, not allocated.
        var huge = KafkaReader(bytes: [0x7F, 0xFF, 0xFF, 0xFF, 1, 2, 3])
        #expect(throws: KafkaProtocolError.self) { try huge.array(flexible: false, "things") { try $0.int8() } }
        var negative = KafkaReader(bytes: [0xFF, 0xFF, 0xFF, 0xF0])
        #expect(throws: KafkaProtocolError.self) { try negative.bytes(flexible: false, "bytes") }
    }
}


enum MetadataFixtures {
    /// A Metadata response in the layout of `version`: two brokers, one topic of two partitions.
    static func response(version: Int16) -> ByteBuffer {
        let flexible = version >= 9
        var b = ByteBuffer()
        b.writeInteger(Int32(5))
        b.writeEmptyTaggedFields(flexible: flexible)
        if version >= 3 { b.writeInteger(Int32(0)) }  // throttle
        b.writeKafkaArrayCount(2, flexible: flexible)
        for id in [Int32(1), 2] {
            b.writeInteger(id)
            b.writeKafkaString("broker\(id)", flexible: flexible)
            b.writeInteger(Int32(9090 + id))
            b.writeKafkaString(nil, flexible: flexible)
            b.writeEmptyTaggedFields(flexible: flexible)
        }
        if version >= 2 { b.writeKafkaString("cluster", flexible: flexible) }
        b.writeInteger(Int32(1))
        b.writeKafkaArrayCount(1, flexible: flexible)
        b.writeInteger(Int16(0))
        b.writeKafkaString("events", flexible: flexible)
        if version >= 10 { b.writeRepeatingByte(7, count: 16) }
        b.writeKafkaBool(false)
        b.writeKafkaArrayCount(2, flexible: flexible)
        for p in [Int32(0), 1] {
            b.writeInteger(Int16(0))
            b.writeInteger(p)
            b.writeInteger(p + 1)
            if version >= 7 { b.writeInteger(Int32(0)) }
            for _ in 0..<(version >= 5 ? 3 : 2) {
                b.writeKafkaArrayCount(1, flexible: flexible)
                b.writeInteger(p + 1)
            }
            b.writeEmptyTaggedFields(flexible: flexible)
        }
        if version >= 8 { b.writeInteger(Int32(0)) }
        b.writeEmptyTaggedFields(flexible: flexible)
        if version >= 8 && version <= 10 { b.writeInteger(Int32(0)) }
        b.writeEmptyTaggedFields(flexible: flexible)
        return b
    }
}

@Suite struct MetadataCodecTests {
    @Test(arguments: KafkaAPIKey.metadata.supportedVersions) func decodesEveryVersion(version: Int16) throws {
        let response = try KafkaFraming.decode(
            MetadataResponse.self, frame: MetadataFixtures.response(version: version), apiKey: .metadata, version: version)
        #expect(response.brokers == [.init(nodeID: 1, host: "broker1", port: 9091), .init(nodeID: 2, host: "broker2", port: 9092)])
        #expect(response.topics == [.init(errorCode: 0, name: "events", partitions: [.init(errorCode: 0, index: 0, leaderID: 1), .init(errorCode: 0, index: 1, leaderID: 2)])])
    }

    @Test func requestNeverAllowsAutoCreation() throws {
        for version in KafkaAPIKey.metadata.supportedVersions {
            var body = ByteBuffer()
            MetadataRequest(version: version, topics: ["events"]).encodeBody(into: &body)
            var reader = KafkaReader(body)
            let flexible = version >= 9
            _ = try reader.arrayCount(flexible: flexible, "topics")
            if version >= 10 { _ = try reader.uuid() }
            #expect(try reader.string(flexible: flexible, "name") == "events")
            if flexible { try reader.skipTaggedFields() }
            if version >= 4 { #expect(try reader.bool() == false) }
        }
    }
}

@Suite struct ApiVersionsFallbackTests {
    /// librdkafka 2.0.2's mock cluster answers ApiVersions v3 with this (count byte not +1).
    @Test func garbledUnsupportedVersionAnswerStillYieldsTheErrorCode() throws {
        let frame = ByteBuffer(bytes: [0, 0, 0, 1, 0, 0x23, 0x01, 0, 0x12, 0, 0, 0, 2, 0, 0, 0, 0, 0])
        let response = try KafkaFraming.decode(ApiVersionsResponse.self, frame: frame, apiKey: .apiVersions, version: 3)
        #expect(response.errorCode == 35)
    }
}
