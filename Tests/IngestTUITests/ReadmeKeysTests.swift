import Foundation
import Testing
@testable import IngestTUI

/// The README's key table is the action table that drives the keys, the footer and the `?`
/// help: a key added, moved or reworded in one and not the other fails here.
@Suite struct ReadmeKeysTests {
    static let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../README.md").standardizedFileURL

    /// The table as the README should hold it, one row per action, in the table's order.
    static func table() -> String {
        var rows = ["| keys | where | what |", "| --- | --- | --- |"]
        for spec in ActionTable.all {
            let keys = spec.keys.map { "`\($0.label)`" }.joined(separator: " ")
            let views: String
            switch spec.scope {
            case .global: views = "everywhere"
            case .views(let list): views = list.map(\.title).joined(separator: ", ")
            }
            rows.append("| \(keys) | \(views) | \(spec.help.replacingOccurrences(of: "|", with: "\\|")) |")
        }
        return rows.joined(separator: "\n")
    }

    @Test func theReadmeListsEveryKeyAsTheHelpDoes() throws {
        let text = try String(contentsOf: Self.readme, encoding: .utf8)
        let start = try #require(text.range(of: "<!-- keys: generated from ActionTable; ReadmeKeysTests fails when they differ -->\n"))
        let end = try #require(text.range(of: "\n<!-- end keys -->", range: start.upperBound..<text.endIndex))
        let shown = String(text[start.upperBound..<end.lowerBound])
        #expect(shown == Self.table(), "README.md's key table differs from ActionTable; it should read:\n\(Self.table())")
    }
}
