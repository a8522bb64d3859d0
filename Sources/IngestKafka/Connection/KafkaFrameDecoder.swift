import NIOCore

/// Splits the byte stream into Kafka frames (int32 size + payload), refusing absurd sizes
/// instead of buffering them.
package struct KafkaFrameDecoder: ByteToMessageDecoder {
    package typealias InboundOut = ByteBuffer

    package let maxFrameSize: Int

    package init(maxFrameSize: Int = 100 * 1024 * 1024) {
        self.maxFrameSize = maxFrameSize
    }

    package mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let size = buffer.getInteger(at: buffer.readerIndex, as: Int32.self) else { return .needMoreData }
        guard size >= 4, Int(size) <= maxFrameSize else {
            throw KafkaProtocolError("frame size \(size) outside 4...\(maxFrameSize): not a Kafka peer?")
        }
        guard buffer.readableBytes >= 4 + Int(size) else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: 4)
        context.fireChannelRead(Self.wrapInboundOut(buffer.readSlice(length: Int(size))!))
        return .continue
    }
}
