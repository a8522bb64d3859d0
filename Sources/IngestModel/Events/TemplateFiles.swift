import Foundation

/// Lines of a text file, read a piece at a time (memory stays bounded whatever its size).
public protocol LineSource: AnyObject {
    /// The next line without its line ending, nil at the end.
    func nextLine() throws -> String?
    /// Back to the first line.
    func rewind() throws
}

/// How templates open the files they name (`{{csv FILE COLUMN}}`). The one place the model
/// reads a file: a template is a rule over the operator's data, and the console's preview
/// (which has only the model) must see what a send will.
public struct TemplateFiles: Sendable {
    public let open: @Sendable (_ path: String) throws -> any LineSource

    public init(open: @escaping @Sendable (_ path: String) throws -> any LineSource) {
        self.open = open
    }

    /// Files on this machine; relative paths from the current directory.
    public static let local = TemplateFiles { path in try FileLines(path: path) }

    /// In-memory files, for tests and demos.
    public static func memory(_ files: [String: String]) -> TemplateFiles {
        TemplateFiles { path in
            guard let text = files[path] else { throw InputError("\(path): no such file") }
            return MemoryLines(text)
        }
    }
}

/// A file read in 64 KiB chunks, split on `\n` (a `\r` before it is dropped).
final class FileLines: LineSource {
    static let maximumLineBytes = 1_048_576
    private let path: String
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private var start = 0
    private var atEnd = false

    init(path: String) throws {
        self.path = path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
              let handle = FileHandle(forReadingAtPath: path)
        else {
            throw InputError("\(path): cannot open the file (check the path; relative paths start from \(FileManager.default.currentDirectoryPath))")
        }
        self.handle = handle
    }

    deinit { try? handle.close() }

    func nextLine() throws -> String? {
        while true {
            if let newline = buffer[start...].firstIndex(of: 0x0A) {
                var end = newline
                if end > start, buffer[end - 1] == 0x0D { end -= 1 }
                let line = String(decoding: buffer[start..<end], as: UTF8.self)
                start = newline + 1
                return line
            }
            if atEnd {
                guard start < buffer.count else { return nil }
                let line = String(decoding: buffer[start...], as: UTF8.self)
                start = buffer.count
                return line
            }
            guard buffer.count - start <= Self.maximumLineBytes else {
                throw InputError("\(path): a line is longer than \(Self.maximumLineBytes) bytes")
            }
            buffer.removeFirst(start)
            start = 0
            let chunk: Data?
            do { chunk = try handle.read(upToCount: 65_536) } catch {
                throw InputError("\(path): cannot be read: \(error.localizedDescription)")
            }
            if let chunk, !chunk.isEmpty { buffer.append(contentsOf: chunk) } else { atEnd = true }
        }
    }

    func rewind() throws {
        do { try handle.seek(toOffset: 0) } catch {
            throw InputError("\(path): cannot be read again from the start: \(error.localizedDescription)")
        }
        buffer.removeAll(keepingCapacity: true)
        start = 0
        atEnd = false
    }
}

final class MemoryLines: LineSource {
    private let lines: [String]
    private var index = 0

    init(_ text: String) {
        // "\r\n" is one Character in Swift: split on both.
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).map(String.init)
        if lines.last == "" { lines.removeLast() }
        self.lines = lines
    }

    func nextLine() throws -> String? {
        guard index < lines.count else { return nil }
        defer { index += 1 }
        return lines[index]
    }

    func rewind() throws { index = 0 }
}
