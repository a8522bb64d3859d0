import Foundation
import IngestCore

/// Lines to stdout in large writes (a run can have millions of entries, a journal thousands
/// of runs), built as bytes, each chunk scrubbed on its way out.
final class BufferedOutput {
    private var bytes: [UInt8] = []

    init() { bytes.reserveCapacity(1 << 18) }

    func put(_ text: String) { bytes.append(contentsOf: text.utf8) }
    func put(_ number: Int) { bytes.append(contentsOf: String(number).utf8) }
    func put(json text: String) { RecordEncoding.appendString(text, to: &bytes) }

    /// Text that may hold several lines, written out in large chunks.
    func write(_ text: String) {
        put(text)
        if bytes.count > 1 << 18 { flush() }
    }

    func line(_ text: String) {
        put(text)
        endLine()
    }

    func endLine() {
        bytes.append(0x0A)
        if bytes.count > 1 << 18 { flush() }
    }

    func flush() {
        guard !bytes.isEmpty else { return }
        Output.out(String(decoding: bytes, as: UTF8.self), terminator: "")
        bytes.removeAll(keepingCapacity: true)
    }
}
