import CLZ4
import CZlib
import CZstd
import NIOCore

/// How the records of a batch are compressed (the batch header never is). Each codec writes
/// what the Java client and librdkafka write, so any consumer reads it back:
/// - gzip: a gzip member (RFC 1952), as Java's GZIPOutputStream;
/// - lz4: an LZ4 frame with independent 64 KiB blocks and no checksums but the header's, as
///   Java's KafkaLZ4BlockOutputStream and librdkafka (Kafka's readers need independent blocks);
/// - zstd: one zstd frame.
public enum KafkaCompression: String, Sendable, CaseIterable, CustomStringConvertible {
    case none
    case gzip
    case lz4
    case zstd

    /// The codec's number in the batch's attributes (bits 0-2).
    var attribute: Int16 {
        switch self {
        case .none: 0
        case .gzip: 1
        case .lz4: 3
        case .zstd: 4
        }
    }

    init?(attribute: Int16) {
        switch attribute & 0x07 {
        case 0: self = .none
        case 1: self = .gzip
        case 3: self = .lz4
        case 4: self = .zstd
        default: return nil
        }
    }

    public var description: String { rawValue }

    /// The compressed form of `bytes`.
    func compress(_ bytes: ByteBuffer) throws -> ByteBuffer {
        switch self {
        case .none: return bytes
        case .gzip: return try Gzip.compress(bytes)
        case .lz4: return try LZ4Frame.compress(bytes)
        case .zstd: return try Zstd.compress(bytes)
        }
    }

    /// The records of a batch read back. `limit` bounds what a hostile batch may inflate to.
    func decompress(_ bytes: ByteBuffer, limit: Int = 64 * 1024 * 1024) throws -> ByteBuffer {
        switch self {
        case .none: return bytes
        case .gzip: return try Gzip.decompress(bytes, limit: limit)
        case .lz4: return try LZ4Frame.decompress(bytes, limit: limit)
        case .zstd: return try Zstd.decompress(bytes, limit: limit)
        }
    }
}

struct KafkaCompressionError: Error, CustomStringConvertible {
    var description: String
}

private enum Gzip {
    static func compress(_ input: ByteBuffer) throws -> ByteBuffer {
        var stream = z_stream()
        // 15 + 16: a gzip header and trailer around the deflate data.
        guard deflateInit2_(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, zlibVersion(),
                            Int32(MemoryLayout<z_stream>.size)) == Z_OK
        else { throw KafkaCompressionError(description: "gzip: zlib would not start") }
        defer { deflateEnd(&stream) }
        let bound = Int(deflateBound(&stream, uLong(input.readableBytes)))
        var output = ByteBuffer()
        var code: Int32 = Z_OK
        _ = input.withUnsafeReadableBytes { source in
            output.writeWithUnsafeMutableBytes(minimumWritableBytes: bound) { target in
                stream.next_in = UnsafeMutablePointer(mutating: source.bindMemory(to: Bytef.self).baseAddress)
                stream.avail_in = uInt(source.count)
                stream.next_out = target.bindMemory(to: Bytef.self).baseAddress
                stream.avail_out = uInt(target.count)
                code = deflate(&stream, Z_FINISH)
                return target.count - Int(stream.avail_out)
            }
        }
        guard code == Z_STREAM_END else { throw KafkaCompressionError(description: "gzip: compression failed (zlib \(code))") }
        return output
    }

    static func decompress(_ input: ByteBuffer, limit: Int) throws -> ByteBuffer {
        var stream = z_stream()
        // 15 + 32: gzip or zlib, whichever the header says.
        guard inflateInit2_(&stream, 15 + 32, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw KafkaCompressionError(description: "gzip: zlib would not start")
        }
        defer { inflateEnd(&stream) }
        var output = ByteBuffer()
        try input.withUnsafeReadableBytes { source in
            stream.next_in = UnsafeMutablePointer(mutating: source.bindMemory(to: Bytef.self).baseAddress)
            stream.avail_in = uInt(source.count)
            while true {
                var code: Int32 = Z_OK
                output.writeWithUnsafeMutableBytes(minimumWritableBytes: 64 * 1024) { target in
                    stream.next_out = target.bindMemory(to: Bytef.self).baseAddress
                    stream.avail_out = uInt(target.count)
                    code = inflate(&stream, Z_NO_FLUSH)
                    return target.count - Int(stream.avail_out)
                }
                if code == Z_STREAM_END { return }
                guard code == Z_OK, output.readableBytes <= limit else {
                    throw KafkaCompressionError(description: "gzip: corrupt or oversized data (zlib \(code))")
                }
                if stream.avail_in == 0, stream.avail_out > 0 {
                    throw KafkaCompressionError(description: "gzip: data ends early")
                }
            }
        }
        return output
    }
}

private enum LZ4Frame {
    static func preferences() -> LZ4F_preferences_t {
        var preferences = LZ4F_preferences_t()
        preferences.frameInfo.blockSizeID = LZ4F_max64KB
        preferences.frameInfo.blockMode = LZ4F_blockIndependent
        preferences.frameInfo.contentChecksumFlag = LZ4F_noContentChecksum
        preferences.frameInfo.blockChecksumFlag = LZ4F_noBlockChecksum
        return preferences
    }

    static func compress(_ input: ByteBuffer) throws -> ByteBuffer {
        var preferences = preferences()
        let bound = LZ4F_compressFrameBound(input.readableBytes, &preferences)
        var output = ByteBuffer()
        var failure: String?
        _ = input.withUnsafeReadableBytes { source in
            output.writeWithUnsafeMutableBytes(minimumWritableBytes: bound) { target in
                let written = LZ4F_compressFrame(target.baseAddress, bound, source.baseAddress, source.count, &preferences)
                if LZ4F_isError(written) != 0 {
                    failure = String(cString: LZ4F_getErrorName(written))
                    return 0
                }
                return written
            }
        }
        if let failure { throw KafkaCompressionError(description: "lz4: \(failure)") }
        return output
    }

    static func decompress(_ input: ByteBuffer, limit: Int) throws -> ByteBuffer {
        var context: OpaquePointer?
        guard LZ4F_isError(LZ4F_createDecompressionContext(&context, UInt32(LZ4F_VERSION))) == 0, let context else {
            throw KafkaCompressionError(description: "lz4: cannot start")
        }
        defer { LZ4F_freeDecompressionContext(context) }
        var output = ByteBuffer()
        try input.withUnsafeReadableBytes { source in
            var offset = 0
            while offset < source.count {
                var consumed = source.count - offset
                var hint = 0
                output.writeWithUnsafeMutableBytes(minimumWritableBytes: 64 * 1024) { target in
                    var produced = target.count
                    hint = LZ4F_decompress(context, target.baseAddress, &produced, source.baseAddress! + offset, &consumed, nil)
                    return LZ4F_isError(hint) != 0 ? 0 : produced
                }
                if LZ4F_isError(hint) != 0 {
                    throw KafkaCompressionError(description: "lz4: \(String(cString: LZ4F_getErrorName(hint)))")
                }
                guard output.readableBytes <= limit else { throw KafkaCompressionError(description: "lz4: data inflates past \(limit) bytes") }
                offset += consumed
                if hint == 0 { break }  // the frame is complete
            }
        }
        return output
    }
}

private enum Zstd {
    static func compress(_ input: ByteBuffer) throws -> ByteBuffer {
        let bound = ZSTD_compressBound(input.readableBytes)
        var output = ByteBuffer()
        var failure: String?
        _ = input.withUnsafeReadableBytes { source in
            output.writeWithUnsafeMutableBytes(minimumWritableBytes: bound) { target in
                // Level 3, zstd's default (librdkafka's and the Java client's too).
                let written = ZSTD_compress(target.baseAddress, bound, source.baseAddress, source.count, 3)
                if ZSTD_isError(written) != 0 {
                    failure = String(cString: ZSTD_getErrorName(written))
                    return 0
                }
                return written
            }
        }
        if let failure { throw KafkaCompressionError(description: "zstd: \(failure)") }
        return output
    }

    static func decompress(_ input: ByteBuffer, limit: Int) throws -> ByteBuffer {
        guard let stream = ZSTD_createDStream() else { throw KafkaCompressionError(description: "zstd: cannot start") }
        defer { ZSTD_freeDStream(stream) }
        ZSTD_initDStream(stream)
        var output = ByteBuffer()
        try input.withUnsafeReadableBytes { source in
            var inBuffer = ZSTD_inBuffer(src: source.baseAddress, size: source.count, pos: 0)
            while inBuffer.pos < inBuffer.size {
                var result = 0
                output.writeWithUnsafeMutableBytes(minimumWritableBytes: 64 * 1024) { target in
                    var outBuffer = ZSTD_outBuffer(dst: target.baseAddress, size: target.count, pos: 0)
                    result = ZSTD_decompressStream(stream, &outBuffer, &inBuffer)
                    return ZSTD_isError(result) != 0 ? 0 : outBuffer.pos
                }
                if ZSTD_isError(result) != 0 {
                    throw KafkaCompressionError(description: "zstd: \(String(cString: ZSTD_getErrorName(result)))")
                }
                guard output.readableBytes <= limit else { throw KafkaCompressionError(description: "zstd: data inflates past \(limit) bytes") }
            }
        }
        return output
    }
}
