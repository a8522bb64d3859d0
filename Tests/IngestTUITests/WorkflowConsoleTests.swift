import ConsolePreview
import IngestModel
import Testing
@testable import IngestTUI

/// Issue 15 in the console: saved sends listed, searched, loaded and saved; a send copied as
/// curl / kcat / properties; a pasted curl command imported. Through the real runtime
/// (`Harness`) over the preview services.
@Suite struct WorkflowConsoleTests {
    static func text(_ h: Harness) -> String { h.screen.textLines().joined(separator: "\n") }

    static func onDev() async -> Harness {
        var h = await Harness(profile: "dev", runSends: false)
        UpdateTests.setTopic(&h.state, "events")
        return h
    }

    @Test func savedSendsAreListedSearchedAndLoadedIntoCompose() async {
        var h = await Self.onDev()
        await h.press(.char("o"))
        #expect(h.effects.contains(.loadSavedSends))
        let list = Self.text(h)
        #expect(list.contains("players-1k") && list.contains("bet-placed") && list.contains("replay-file"), "\(list)")
        #expect(list.contains("✖ ~/.config/ingest/sends/typo.toml: mode: expected"), "a bad file says what is wrong:\n\(list)")
        // Letters search; none of them is a command (s would send, q would quit).
        await h.type("players s")
        #expect(h.sendEffects.isEmpty && !h.state.quitting)
        #expect(Update.matchingSaved(h.state, query: "players s").map(\.name) == ["players-1k"])
        await h.press(.enter)
        let c = h.state.compose
        #expect(h.state.modal == nil && h.state.view == .compose)
        #expect(c.topic.text == "players" && h.state.fullTopic == "ing-staging-players")
        #expect(c.key.text == "p-{{seq}}" && c.mode == .rest(.stream) && c.count.text == "1000" && c.rate.text == "200")
        #expect(c.value.text == "{\"playerId\": \"{{uuid}}\", \"level\": {{rand_int 1 9}}}")
        #expect(h.state.status?.text.hasPrefix("saved send players-1k loaded into Compose") == true, "\(String(describing: h.state.status))")
        #expect(h.sendEffects.isEmpty, "loading a saved send sent it")
    }

    @Test func aFileSendGoesToLoadAndABrokenOneSaysWhy() async {
        var h = await Self.onDev()
        await h.press(.char("o"))
        await h.type("replay")
        await h.press(.enter)
        #expect(h.state.view == .load && h.state.load.path.text == "/data/events.jsonl" && h.state.compose.mode == .rest(.batch))
        await h.press(.char("o"))
        await h.type("typo")
        await h.press(.enter)
        #expect(h.state.status?.role == .error)
        #expect(h.state.status?.text.contains("saved send typo cannot be used") == true && h.state.status?.text.contains("mode: expected") == true)
    }

    @Test func composeIsSavedByNameAndReplacingIsAskedFirst() async {
        var h = await Self.onDev()
        await h.setField(.key, "k-{{seq}}")
        await h.setField(.headers, "trace=abc")
        await h.press(.char("w"))
        guard case .saveSend? = h.state.modal else {
            Issue.record("w did not ask a name: \(String(describing: h.state.modal))")
            return
        }
        await h.type("bad name")
        await h.press(.enter)
        #expect(Self.text(h).contains("✖ a saved send's name is its file name"), "\(Self.text(h))")
        for _ in 0..<8 { await h.press(.backspace) }
        await h.type("bet-placed")
        await h.press(.enter)
        #expect(WorkingDayTests.words(h.state).contains("bet-placed.toml exists: Enter again replaces it"), "\(Self.text(h))")
        await h.press(.enter)
        #expect(h.state.modal == nil)
        #expect(h.state.status?.text.hasPrefix("saved bet-placed: ~/.config/ingest/sends/bet-placed.toml") == true, "\(String(describing: h.state.status))")
        let saved = await h.services.savedSends().items.first { $0.name == "bet-placed" }
        let expected = SavedSend(topic: "events", valueType: .json, key: "k-{{seq}}", headers: [HeaderTemplate(name: "trace", value: "abc")],
                                 mode: .rest(.single), data: "{\"playerId\": \"{{uuid}}\", \"seq\": {{seq}}}")
        #expect(saved?.result == .success(expected))
        // Saved from Load: the file, with Compose's topic and mode.
        await h.press(.char("5"), .enter)
        await h.type("/data/notes.txt")
        await h.press(.enter, .char("w"))
        await h.type("notes")
        await h.press(.enter)
        let notes = await h.services.savedSends().items.first { $0.name == "notes" }
        #expect(notes?.result == .success(SavedSend(topic: "events", mode: .rest(.single), file: "/data/notes.txt")))
    }

    @Test func anInvalidValueIsNotSaved() async {
        var h = await Self.onDev()
        await h.setField(.value, "{\"a\": tru}")
        await h.press(.char("w"))
        #expect(h.state.modal == nil)
        #expect(h.state.status?.text.hasPrefix("not saved: value invalid at 1:7") == true, "\(String(describing: h.state.status))")
    }

    /// `c` asks the format, and copies what the services wrote for the very send `s` would
    /// make; in production too, where nothing is sent and nothing is asked.
    @Test func copyAsCopiesWhatTheServicesWrite() async {
        var h = await Self.onDev()
        await h.setField(.count, "3")
        await h.press(.char("c"))
        guard case .copyAs(let pending)? = h.state.modal else {
            Issue.record("c did not ask the format: \(String(describing: h.state.modal))")
            return
        }
        #expect(pending.plan.topic == "ing-staging-events" && pending.plan.source.knownCount == 3)
        #expect(Self.text(h).contains("c curl commands") && Self.text(h).contains("p producer.properties"))
        await h.press(.char("k"))
        #expect(h.effects.contains(.copyAs(.kcat, profile: "dev", plan: pending.plan)))
        #expect(h.backend.copied == ["# preview: ingest send --print kcat writes 3 records to ing-staging-events through dev\n"])
        #expect(h.state.status?.text.hasPrefix("the send as kcat commands copied to the preview clipboard") == true, "\(String(describing: h.state.status))")
        #expect(h.sendEffects.isEmpty)

        var p = await Harness(profile: "prod", runSends: false)
        UpdateTests.setTopic(&p.state, "players")
        await p.press(.char("c"), .char("c"))
        #expect(p.backend.copied.count == 1 && p.sendEffects.isEmpty)
    }

    /// The guide's curl command, pasted whole: topic, type, value and mode come into Compose;
    /// its API key does not.
    @Test func aPastedCurlCommandIsImported() async {
        var h = await Self.onDev()
        await h.press(.char("i"))
        await h.send(.paste("curl --location 'http://127.0.0.1:8082/v3/clusters/c1/topics/ing-staging-players /records' \\\n--header 'Content-Type: application/json' \\\n--header \"x-api-key: s3cret-key-123\" \\\n--data '{\n\"value\": {\n\"type\": \"JSON\",\n\"data\": {\"playerId\": \"123\", \"value\": \"test event 1\"}\n}\n}'\n"))
        #expect(!Self.text(h).contains("s3cret"), "the pasted key is shown")
        await h.press(.enter)
        let c = h.state.compose
        #expect(h.state.modal == nil)
        #expect(h.state.fullTopic == "ing-staging-players" && c.valueType == .json && c.mode == .rest(.single))
        #expect(c.value.text == "{\"playerId\":\"123\",\"value\":\"test event 1\"}")
        let status = h.state.status?.text ?? ""
        #expect(status.contains("the API key in the command was left out") && status.contains("stray space"), "\(status)")
        #expect(!ComposeDraft(h.state).value!.contains("s3cret") && h.sendEffects.isEmpty)

        // Not a curl command: said in the box, which stays open.
        await h.press(.char("i"))
        await h.send(.paste("wget http://x"))
        await h.press(.enter)
        #expect(Self.text(h).contains("✖ not a curl command"), "\(Self.text(h))")
        await h.press(.escape)
        #expect(h.state.modal == nil)

        // Pasted into a field instead, it stays text there, and the status says how to import it.
        await h.send(.paste("curl --location 'http://x/v3/clusters/c/topics/t/records'"))
        #expect(h.state.compose.value.text.hasSuffix("curl --location 'http://x/v3/clusters/c/topics/t/records'"))
        #expect(h.state.status?.text.contains("Esc, then i, and paste it there") == true, "\(String(describing: h.state.status))")
    }
}
