import Foundation
import Testing
import TestSupport

/// The built binary: seeded generators and `--dry-run`, saved sends, and the load-test report.
@Suite struct SendWorkflowTests {
    static let generators = #"{"id":"{{uuid}}","n":{{seq_from 100}},"kind":"{{choice deposit:9 withdrawal:1}}","amount":{{rand_float 1 500 2}},"tag":"{{rand_str 8}}","r":{{rand_int 1 6}},"at":"{{now -5m}}","ms":{{now_ms +1h}}}"#

    /// The same seed gives the same records (all but the clock), a dry run sends nothing, and
    /// what a seeded send stores is what its dry run printed.
    @Test func theSameSeedGivesTheSameRecords() async throws {
        let workspace = try Workspace("seed")
        func dryRun(_ seed: String) async throws -> [[String: Any]] {
            let run = try await workspace.run(["send", "--profile", "local", "--topic", "events", "--count", "50", "--seed", seed,
                                               "--data", Self.generators, "--dry-run"])
            #expect(run.status == 0, "\(run.stderr)")
            return run.stdout.split(separator: "\n").map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        }
        func stable(_ requests: [[String: Any]]) -> [String] {
            requests.map { request in
                var data = (request["value"] as! [String: Any])["data"] as! [String: Any]
                data["at"] = nil
                data["ms"] = nil
                return String(decoding: try! JSONSerialization.data(withJSONObject: data, options: .sortedKeys), as: UTF8.self)
            }
        }
        let first = try await dryRun("42"), again = try await dryRun("42"), other = try await dryRun("43")
        #expect(first.count == 50)
        #expect(stable(first) == stable(again))
        #expect(stable(first) != stable(other))
        let values = first.map { ($0["value"] as! [String: Any])["data"] as! [String: Any] }
        #expect(values.map { $0["n"] as? Int } == (100..<150).map { $0 })
        #expect(values.allSatisfy { ["deposit", "withdrawal"].contains($0["kind"] as? String ?? "") })
        #expect(values.filter { $0["kind"] as? String == "deposit" }.count > 30, "the 9:1 weights are not followed")
        #expect(values.allSatisfy { (1...500).contains($0["amount"] as? Double ?? 0) && ($0["tag"] as? String)?.count == 8 })
        // now -5m and now_ms +1h: about five minutes before, an hour after.
        let at = try #require(values.first?["at"] as? String)
        let date = try #require(try? Date(at, strategy: .iso8601.year().month().day().time(includingFractionalSeconds: true)))
        #expect(abs(date.timeIntervalSinceNow + 300) < 120, "\(at)")
        let ms = try #require(values.first?["ms"] as? Int)
        #expect(abs(Double(ms) / 1000 - Date().timeIntervalSince1970 - 3600) < 120)
        // Nothing was sent: no journal.
        #expect(workspace.journalRuns.isEmpty, "\(workspace.journalRuns)")

        // A seeded send stores what its dry run printed.
        let sent = try await workspace.run(["send", "--profile", "local", "--topic", "events", "--count", "5", "--seed", "7",
                                            "--data", #"{"id":"{{uuid}}","tag":"{{rand_str 12}}"}"#])
        let printed = try await workspace.run(["send", "--profile", "local", "--topic", "events", "--count", "5", "--seed", "7",
                                               "--data", #"{"id":"{{uuid}}","tag":"{{rand_str 12}}"}"#, "--dry-run"])
        #expect(sent.status == 0 && sent.lines.count == 5, "\(sent.stderr)")
        #expect(printed.stdout.split(separator: "\n").count == 5)
        #expect(printed.stdout.split(separator: "\n").allSatisfy { $0.hasPrefix(#"{"value":{"type":"JSON","data":{"id":""#) })
    }

    @Test func unknownPlaceholderIsAnErrorWithLineAndColumn() async throws {
        let run = try await Workspace().run(["send", "--profile", "local", "--topic", "events", "--data", "{\n  \"a\": {{seq}},\n  \"b\": \"{{nope 1}}\"\n}"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("line 3, column 9") && run.stderr.contains("unknown placeholder {{nope 1}}"), "\(run.stderr)")
        #expect(run.stderr.contains("choice") && run.stderr.contains("csv FILE COLUMN"))
        #expect(run.stdout.isEmpty)
    }

    /// `{{csv FILE COLUMN}}` takes rows in order and starts over after the last one.
    @Test func csvValuesCycle() async throws {
        let workspace = try Workspace("csv")
        let csv = try workspace.file("players.csv", "id,name\n7,\"Smith, Ann\"\n8,Bo\n9,\"Cy \"\"the\"\" Kid\"\n")
        let run = try await workspace.run(["send", "--profile", "local", "--topic", "events", "--count", "7", "--type", "string",
                                           "--data", "{{csv \(csv.path) name}}|{{csv \(csv.path) 1}}", "--dry-run"])
        #expect(run.status == 0, "\(run.stderr)")
        let values = run.stdout.split(separator: "\n").map { line -> String in
            let object = try! JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            return (object["value"] as! [String: Any])["data"] as! String
        }
        #expect(values == ["Smith, Ann|7", "Bo|8", "Cy \"the\" Kid|9", "Smith, Ann|7", "Bo|8", "Cy \"the\" Kid|9", "Smith, Ann|7"])
        let missing = try await workspace.run(["send", "--profile", "local", "--topic", "events", "--data", "{{csv \(csv.path) email}}", "--type", "string"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("no column email") && missing.stderr.contains("\"id\", \"name\""), "\(missing.stderr)")
    }

    /// Saved sends: saved from flags, sent by name with a flag overriding a key, listed; a bad
    /// file is named with the key at fault.
    @Test func savedSendsAreFilesSentByName() async throws {
        let workspace = try Workspace("saved")
        let sends = workspace.root.appendingPathComponent("sends").path
        let save = try await workspace.run(["send", "--topic", "events", "--mode", "batch", "--count", "4", "--key", "p-{{seq}}",
                                            "--header", "trace=t1", "--data", #"{"n":{{seq}}}"#, "--sends", sends, "--save-as", "four"])
        #expect(save.status == 0, "\(save.stderr)")
        let text = try String(contentsOfFile: sends + "/four.toml", encoding: .utf8)
        #expect(text.contains("topic = \"events\"") && text.contains("mode = \"batch\"") && text.contains("[headers]") && text.contains("trace = \"t1\""), "\(text)")
        let again = try await workspace.run(["send", "--topic", "events", "--data", "{}", "--sends", sends, "--save-as", "four"])
        #expect(again.status == 2 && again.stderr.contains("exists"), "\(again.stderr)")

        let sent = try await workspace.run(["send", "--saved", "four", "--sends", sends, "--profile", "local", "--count", "2"])
        #expect(sent.status == 0, "\(sent.stderr)")
        #expect(sent.lines.count == 2)

        try """
            topic = "events"
            mode = "sideways"
            data = "{}"
            """.write(toFile: sends + "/bad.toml", atomically: true, encoding: .utf8)
        let bad = try await workspace.run(["send", "--saved", "bad", "--sends", sends])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("bad.toml: mode: expected single, batch, stream or native"), "\(bad.stderr)")
        let unknownKey = try workspace.file("sends/typo.toml", "topic = \"events\"\ndta = \"{}\"\n")
        let typo = try await workspace.run(["send", "--saved", "typo", "--sends", sends])
        #expect(typo.status == 2 && typo.stderr.contains("\(unknownKey.path): dta: unknown key"), "\(typo.stderr)")
        let none = try await workspace.run(["send", "--saved", "nosuch", "--sends", sends])
        #expect(none.status == 2 && none.stderr.contains("no saved send nosuch") && none.stderr.contains("four"), "\(none.stderr)")

        let list = try await workspace.run(["sends", "--sends", sends])
        #expect(list.stdout.contains("four") && list.stdout.contains("batch ×4 → events (data)"), "\(list.stdout)")
        #expect(list.stdout.contains("bad") && list.stdout.contains("unusable"))
        #expect(list.status == 2)
    }

    /// The load-test report: percentiles, records/s and MB/s on stderr and in --summary-json,
    /// the warm-up apart, a --duration run that ends on time, and progress lines.
    @Test func loadTestReport() async throws {
        let workspace = try Workspace("load")
        let summary = workspace.root.appendingPathComponent("summary.json")
        let run = try await workspace.run(["send", "--profile", "local", "--topic", "events", "--mode", "stream", "--count", "300",
                                           "--warmup-records", "100", "--data", #"{"n":{{seq}},"pad":"{{rand_str 100}}"}"#,
                                           "--summary-json", summary.path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("warmup (records 1-100): 100 records, latency p50"), "\(run.stderr)")
        #expect(run.stderr.contains("measured (after the warmup): 200 records, latency p50"))
        #expect(run.stderr.contains("p95") && run.stderr.contains("p99.9") && run.stderr.contains("max") && run.stderr.contains("MB/s"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: summary)) as? [String: Any])
        #expect(object["delivered"] as? Int == 300 && object["failed"] as? Int == 0 && object["unknown"] as? Int == 0)
        #expect((object["records_per_s"] as? Double ?? 0) > 0 && (object["mb_per_s"] as? Double ?? 0) > 0)
        let latency = try #require(object["latency_ms"] as? [String: Any])
        for key in ["p50", "p95", "p99", "p999", "max"] { #expect((latency[key] as? Double ?? -1) >= 0, "\(key)") }
        #expect((latency["p50"] as? Double ?? 0) <= (latency["max"] as? Double ?? 0))
        #expect((object["warmup"] as? [String: Any])?["records"] as? Int == 100)
        #expect(object["records"] as? Int == 200)

        // --duration: about two seconds of records at 50/s, then it stops; progress every 0.5 s.
        let timed = try await workspace.run(["send", "--profile", "local", "--topic", "events", "--duration", "2s", "--rate", "50",
                                             "--data", "{}", "--progress", "--progress-interval", "0.5"])
        #expect(timed.status == 0, "\(timed.stderr)")
        #expect((60...140).contains(timed.lines.count), "\(timed.lines.count) records in 2 s at 50/s")
        let progress = timed.stderr.split(separator: "\n").filter { $0.hasPrefix("progress ") }
        #expect(progress.count >= 2, "\(timed.stderr)")
        #expect(progress.first?.contains("records/s") == true && progress.first?.contains("delivered") == true)
    }
}
