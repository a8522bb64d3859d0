import Foundation
import Testing
import TestSupport
@testable import IngestTUI

/// Mutated theme files are accepted or refused with a message; never a crash.
@Suite struct ThemeFuzzTests {
    @Test func mutatedThemes() {
        var generator = SeededRandom(seed: 424242)
        let pieces = ["\"", "=", "{", "}", "[", "]", "\n", "fg", "bg", "999", "-3", "#", "bold", "true", "é"]
        var refused = 0
        for _ in 0..<3000 {
            var bytes = Array(ThemeLoader.defaultDarkTOML.utf8)
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                let at = Int.random(in: 0..<bytes.count, using: &generator)
                switch Int.random(in: 0..<3, using: &generator) {
                case 0: bytes.removeSubrange(at..<min(bytes.count, at + Int.random(in: 1...8, using: &generator)))
                case 1: bytes.insert(contentsOf: Array(pieces.randomElement(using: &generator)!.utf8), at: at)
                default: bytes[at] = UInt8.random(in: 0...255, using: &generator)
                }
            }
            do {
                _ = try ThemeLoader.parse(String(decoding: bytes, as: UTF8.self), file: "fuzz.toml")
            } catch {
                refused += 1
                #expect("\(error)".contains("fuzz.toml"), "\(error)")
            }
        }
        #expect(refused > 500)
    }
}
