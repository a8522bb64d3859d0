import Testing
import TestSupport
@testable import IngestCore

@Suite struct ByteSearchTests {
    func find(_ needle: String, _ hay: String, from start: Int = 0) -> Int? {
        Array(needle.utf8).withUnsafeBytes { n in Array(hay.utf8).withUnsafeBytes { h in ByteSearch.firstIndex(of: n, in: h, from: start) } }
    }

    @Test func findsWhereAPlainScanWould() {
        #expect(find("ab", "ab") == 0)
        #expect(find("ab", "xxab") == 2)
        #expect(find("ab", "xxa") == nil)
        #expect(find("aab", "aaab") == 1)
        #expect(find("ab", "abxab", from: 1) == 3)
        #expect(find("", "abc") == nil)
        #expect(find("abcd", "abc") == nil)
        // Against the obvious scan, on random bytes from a small alphabet (many near misses).
        var generator = SeededRandom(seed: 11)
        for _ in 0..<2000 {
            let hay = String((0..<Int.random(in: 0...40, using: &generator)).map { _ in "ab".randomElement(using: &generator)! })
            let needle = String((0..<Int.random(in: 1...4, using: &generator)).map { _ in "ab".randomElement(using: &generator)! })
            let h = Array(hay.utf8), n = Array(needle.utf8)
            let expected = h.count < n.count ? nil : (0...(h.count - n.count)).first { Array(h[$0..<($0 + n.count)]) == n }
            #expect(find(needle, hay) == expected, "\(needle) in \(hay)")
        }
    }

    /// The eight-bytes-a-step scan stops where a byte-by-byte one would, at every offset.
    @Test func plainTextEndsWhereAByteScanSays() {
        var generator = SeededRandom(seed: 23)
        let alphabet: [UInt8] = [0x61, 0x62, 0x20, 0x7E, 0x22, 0x5C, 0x0A, 0x09, 0x1F, 0x80, 0xC3, 0xFF, 0x00, 0x21, 0x5B]
        for _ in 0..<3000 {
            let count = Int.random(in: 0...40, using: &generator)
            // Mostly plain text, so runs of eight and more are common.
            let bytes: [UInt8] = (0..<count).map { _ in
                Int.random(in: 0..<10, using: &generator) < 8 ? UInt8.random(in: 0x20...0x7E, using: &generator) : alphabet.randomElement(using: &generator)!
            }
            for start in 0...count {
                let expected = (start..<count).first { bytes[$0] == 0x22 || bytes[$0] == 0x5C || bytes[$0] < 0x20 || bytes[$0] >= 0x80 } ?? count
                let found = bytes.withUnsafeBufferPointer { ByteSearch.endOfPlainText($0.baseAddress ?? UnsafePointer(bitPattern: 1)!, from: start, count: count) }
                #expect(found == expected, "\(bytes) from \(start)")
            }
        }
    }
}
