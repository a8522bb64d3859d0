import Foundation

/// The system calls the journal is made of: appends that start on a fresh line, a lock for the
/// files several processes share, a liveness test for a run's file, and a line reader that
/// skips what it cannot parse.
enum JournalFiles {
    /// Writes all of `bytes`, going on after short writes and EINTR; false at the first error
    /// (a full disk must not stall a send: the caller notes that its file may now end mid-line).
    @discardableResult
    static func write(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Foundation.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 && errno == EINTR { continue }
                if written <= 0 { return false }
                offset += written
            }
            return true
        }
    }

    /// Whether the file behind `fd` (opened for reading too) is empty or ends with a newline:
    /// an append can go on the same line. A killed writer or a full disk leaves a torn last line; the next entry must
    /// not be glued to it (it would be lost with the fragment).
    static func endsWithNewline(_ fd: Int32) -> Bool {
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_size > 0 else { return true }
        var last: UInt8 = 0
        guard pread(fd, &last, 1, info.st_size - 1) == 1 else { return false }
        return last == 0x0A
    }

    /// Appends `line` (which ends with a newline) to the shared file at `path`, under the
    /// journal's lock, on a fresh line. The file is opened for each append, so a compaction
    /// that replaced it (under the same lock) is never written behind.
    static func appendShared(_ line: [UInt8], to path: String, lock: String) throws {
        try withLock(lock) { try appendHoldingLock(line, to: path) }
    }

    /// `appendShared` for a caller that already holds the lock (a second `flock` on another
    /// descriptor of the same file would wait for the first, in the same process too).
    static func appendHoldingLock(_ line: [UInt8], to path: String) throws {
        let fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw InputError("cannot write the journal \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let bytes = endsWithNewline(fd) ? line : [0x0A] + line
        guard write(fd, bytes) else { throw InputError("cannot write the journal \(path): \(String(cString: strerror(errno)))") }
    }

    /// Runs `body` holding an exclusive `flock` on `path` (created if missing).
    static func withLock<T>(_ path: String, _ body: () throws -> T) throws -> T {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw InputError("cannot open the journal's lock \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else { throw InputError("cannot lock the journal \(path): \(String(cString: strerror(errno)))") }
        }
        return try body()
    }

    /// A run's file is held with an exclusive `flock` by the process writing it, released by the
    /// kernel when that process ends, however it ends: a lock that can be taken means no writer.
    static func hasWriter(_ path: String) -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        if flock(fd, LOCK_SH | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return false
        }
        return errno == EWOULDBLOCK
    }

    /// Every line of the file, oldest first, parsed; lines that do not parse (a torn last
    /// line, a fragment, foreign text) are skipped and counted. Reads in bounded chunks.
    @discardableResult
    static func readLines(_ path: String, _ body: (JournalLine) throws -> Void) throws -> Int {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { return 0 }
            throw InputError("cannot read the journal \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var skipped = 0
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        func consume(_ line: ArraySlice<UInt8>) throws {
            guard !line.isEmpty else { return }
            if let parsed = JournalLine(line) { try body(parsed) } else { skipped += 1 }
        }
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            buffer.append(contentsOf: chunk[0..<count])
            var start = 0
            while let newline = buffer[start...].firstIndex(of: 0x0A) {
                try consume(buffer[start..<newline])
                start = newline + 1
            }
            buffer.removeFirst(start)
        }
        try consume(buffer[...])
        return skipped
    }

    /// The first complete line of a file (a run's header), read without reading the rest.
    static func firstLine(_ path: String, limit: Int = 64 * 1024) -> JournalLine? {
        guard let bytes = readRange(path, fromEnd: false, limit: limit), let newline = bytes.firstIndex(of: 0x0A) else { return nil }
        return JournalLine(bytes[..<newline])
    }

    /// The last complete line of a file (a finished run's footer), read from its end.
    static func lastLine(_ path: String, limit: Int = 64 * 1024) -> JournalLine? {
        guard let bytes = readRange(path, fromEnd: true, limit: limit), bytes.last == 0x0A else { return nil }
        let body = bytes.dropLast()
        let start = body.lastIndex(of: 0x0A).map { $0 + 1 } ?? body.startIndex
        return JournalLine(body[start...])
    }

    private static func readRange(_ path: String, fromEnd: Bool, limit: Int) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return nil }
        let count = min(Int(info.st_size), limit)
        let offset = fromEnd ? Int(info.st_size) - count : 0
        var bytes = [UInt8](repeating: 0, count: count)
        let got = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, count, off_t(offset)) }
        guard got == count else { return nil }
        return bytes
    }

    static func size(_ path: String) -> (bytes: Int, modified: Date)? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        #if canImport(Darwin)
        let modified = Date(timeIntervalSince1970: Double(info.st_mtimespec.tv_sec))
        #else
        let modified = Date(timeIntervalSince1970: Double(info.st_mtim.tv_sec))
        #endif
        return (Int(info.st_size), modified)
    }

    static func makeDirectory(_ path: String) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }
}
