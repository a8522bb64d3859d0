import NIOCore

/// InitProducerId without a transactional id: an idempotent producer's id and epoch.
struct InitProducerIdRequest: KafkaRequest {
    static let apiKey = KafkaAPIKey.initProducerId
    var version: Int16

    func encodeBody(into buffer: inout ByteBuffer) {
        let flexible = Self.apiKey.isFlexible(version)
        buffer.writeKafkaString(nil, flexible: flexible)  // transactional id
        buffer.writeInteger(Int32(60_000))  // transaction timeout, unused without transactions
        if version >= 3 {
            buffer.writeInteger(Int64(-1))  // producer id: ask for a new one
            buffer.writeInteger(Int16(-1))  // producer epoch
        }
        buffer.writeEmptyTaggedFields(flexible: flexible)
    }
}

struct InitProducerIdResponse: KafkaResponse, Equatable {
    var errorCode: Int16
    var producerID: Int64
    var producerEpoch: Int16

    init(errorCode: Int16, producerID: Int64, producerEpoch: Int16) {
        self.errorCode = errorCode
        self.producerID = producerID
        self.producerEpoch = producerEpoch
    }

    init(from reader: inout KafkaReader, version: Int16) throws {
        let flexible = KafkaAPIKey.initProducerId.isFlexible(version)
        _ = try reader.int32("throttle time")
        errorCode = try reader.int16("error code")
        producerID = try reader.int64("producer id")
        producerEpoch = try reader.int16("producer epoch")
        if flexible { try reader.skipTaggedFields() }
    }
}
