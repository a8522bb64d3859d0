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
        var generator = SeededGenerator(state: 11)
        for _ in 0..<2000 {
            let hay = String((0..<Int.random(in: 0...40, using: &generator)).map { _ in "ab".randomElement(using: &generator)! })
            let needle = String((0..<Int.random(in: 1...4, using: &generator)).map { _ in "ab".randomElement(using: &generator)! })
            let h = Array(hay.utf8), n = Array(needle.utf8)
            let expected = h.count < n.count ? nil : (0...(h.count - n.count)).first { Array(h[$0..<($0 + n.count)]) == n }
            #expect(find(needle, hay) == expected, "\(needle) in \(hay)")
        }
    }
}
