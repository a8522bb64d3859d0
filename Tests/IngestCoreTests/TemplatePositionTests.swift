import Foundation
import Testing
@testable import IngestCore

/// JSON errors in a template are reported where the operator typed them, not where they land
/// once placeholders are expanded (issue 14, item 5).
@Suite struct TemplatePositionTests {
    func check(_ value: String) -> TemplateCheck {
        EventTemplate(valueType: .json, value: value).check(environment: ["LONG": String(repeating: "x", count: 40)])
    }

    /// The issue's own example: `tru` at column 24 as typed (52 in the expansion, after a uuid).
    @Test func errorAfterAPlaceholderIsAtTheTypedColumn() {
        let value = #"{"a": "{{uuid}}", "b": tru}"#
        guard case .invalid(let line, let column, let message) = check(value) else {
            Issue.record("accepted invalid JSON")
            return
        }
        #expect(line == 1)
        #expect(column == 24, "column \(column): \(message)")
        #expect(Array(value)[column - 1] == "t")
    }

    @Test func errorsOnLaterLinesAndAfterSeveralPlaceholders() {
        let value = "{\n  \"id\": \"{{uuid}}\", \"at\": \"{{now}}\", \"e\": \"{{env LONG}}\",\n  \"n\": {{seq}},\n  \"b\" 2\n}"
        #expect(check(value) == .invalid(line: 4, column: 7, message: "expected ':' after the key, found '2'"))
        // Unexpected end: at the end of what was typed.
        #expect(check("{\"a\": \"{{uuid}}\"") == .invalid(line: 1, column: 17, message: "unexpected end: an object is not closed (missing '}')"))
    }

    /// An error inside an expanded placeholder points at the placeholder.
    @Test func errorInsideAPlaceholderPointsAtIt() {
        // A uuid not in quotes: the expansion's error is inside it.
        guard case .invalid(1, 7, _) = check(#"{"a": {{uuid}}}"#) else {
            Issue.record("\(check(#"{"a": {{uuid}}}"#))")
            return
        }
    }

    /// Template mistakes are placed too: an unknown placeholder, an unclosed one.
    @Test func templateErrorsArePlaced() {
        guard case .invalid(2, 8, let message) = check("{\n  \"a\": {{uid}}}") else {
            Issue.record("\(check("{\n  \"a\": {{uid}}}"))")
            return
        }
        #expect(message.contains("unknown placeholder {{uid}}"))
        guard case .invalid(1, 8, _) = check("{\"a\": \"{{seq\"}") else {
            Issue.record("\(check("{\"a\": \"{{seq\"}"))")
            return
        }
    }

    /// Columns count characters, not bytes, before and after a multi-byte placeholder value.
    @Test func columnsCountCharacters() {
        #expect(check(#"{"é": "{{uuid}}", "ü" 1}"#) == .invalid(line: 1, column: 23, message: "expected ':' after the key, found '1'"))
    }

    @Test func mapBackThroughEveryPart() throws {
        let template = try Template("ab{{seq}}cd")
        var generator = SeededRandom(seed: 1)
        let (text, map) = try template.expandMapped(seq: 12345, now: Date(), using: &generator)
        #expect(text == "ab12345cd")
        #expect((0..<text.utf8.count).map(map.templateOffset) == [0, 1, 2, 2, 2, 2, 2, 9, 10])
        #expect(map.templateOffset(9) == 11)
    }
}

/// The console's previews and record details indent JSON for reading.
@Suite struct JSONPrettyTests {
    @Test func indentsObjectsAndArraysAndKeepsStrings() {
        let text = #"{"a":1,"b":[true,null,{"c":"x, {y}: \"z\""}],"e":{},"f":[ ]}"#
        #expect(JSONPretty.format(text) == """
            {
              "a": 1,
              "b": [
                true,
                null,
                {
                  "c": "x, {y}: \\"z\\""
                }
              ],
              "e": {},
              "f": []
            }
            """)
        #expect(JSONPretty.format("not json {") == "not json {")
        #expect(JSONPretty.format(" 42 ") == "42")
        // Formatting twice changes nothing more, and the text is still the same JSON.
        let once = JSONPretty.format(text)
        #expect(JSONPretty.format(once) == once)
        #expect((try? JSONValidator.validate(once)) != nil)
    }
}
