import Foundation
@testable import IngestCore
import Testing

/// Saved sends' TOML, profile limits, the load report and the printed commands' text.
@Suite struct WorkflowUnitTests {
    @Test func savedSendRoundTrips() throws {
        let send = SavedSend(topic: "events", valueType: .string, key: "k-{{seq}}", headers: [HeaderTemplate(name: "trace id", value: "a\"b")],
                             partition: 2, mode: .native, count: 10, ratePerSecond: 2.5, data: "line 1\n'quoted' \\ {{seq}}\n", seed: 9)
        let text = SavedSendTOML.text(send)
        #expect(try SavedSendTOML.parse(text, file: "x.toml") == send, "\(text)")
        var tricky = send
        tricky.data = "ends with '''\u{01}"
        tricky.mode = .rest(.stream)
        #expect(try SavedSendTOML.parse(SavedSendTOML.text(tricky), file: "x.toml") == tricky)
        var file = SavedSend(topic: "ing-staging-events", file: "events.jsonl", format: .jsonl)
        file.count = nil
        #expect(try SavedSendTOML.parse(SavedSendTOML.text(file), file: "x.toml") == file)
    }

    @Test func badSavedSendsNameTheKey() {
        let cases: [(String, String)] = [
            ("topic = \"events \"", "x.toml: topic:"), ("count = 0", "x.toml: count: expected 1 to"), ("rate = \"fast\"", "x.toml: rate:"),
            ("type = \"avro\"", "x.toml: type: expected json, string or binary"), ("data = \"{}\"\nfile = \"a\"", "x.toml: file: give either"),
            ("[headers]\ntrace = 1", "x.toml: headers.trace: expected a string"), ("partition = \"2\"", "x.toml: partition: expected an integer"),
            ("topic = ", "x.toml: not valid TOML at line 1"),
        ]
        for (text, expected) in cases {
            do {
                _ = try SavedSendTOML.parse(text, file: "x.toml")
                Issue.record("accepted \(text)")
            } catch { #expect("\(error)".hasPrefix(expected), "\(text): \(error)") }
        }
    }

    @Test func limitsAreParsedWithFullTopicNamesAndChecked() throws {
        let profile = try ProfileParser.parse("""
            name = "p"
            environment = "production"
            rest_url = "https://proxy.example/v3"
            topic_prefix = "ing-production-"
            api_key = "env:K"
            [limits]
            max_records_per_send = 10
            allowed_topics = ["events", "ing-production-players"]
            require_reason = true
            confirm_idle_minutes = 15
            """, file: "p.toml")
        let limits = profile.limits
        #expect(limits.allowedTopics == ["ing-production-events", "ing-production-players"])
        func refusal(_ topic: String, _ records: Int?, _ reason: String?) -> String? {
            limits.refusal(for: .init(topic: topic, records: records, reason: reason), profile: "p")?.limit
        }
        #expect(refusal("ing-production-events", 10, "why") == nil)
        #expect(refusal("ing-production-events", 11, "why") == "max_records_per_send = 10")
        #expect(refusal("ing-production-events", nil, "why") == "max_records_per_send = 10")
        #expect(refusal("ing-production-other", 1, "why") == "allowed_topics")
        #expect(refusal("ing-production-events", 1, " ") == "require_reason")
        let now = Date()
        #expect(limits.confirmationHolds(lastActivity: now.addingTimeInterval(-14 * 60), now: now))
        #expect(!limits.confirmationHolds(lastActivity: now.addingTimeInterval(-16 * 60), now: now))
        #expect(!limits.confirmationHolds(lastActivity: nil, now: now))
        for (text, key) in [("allowed_topics = []", "limits.allowed_topics"), ("max_records_per_send = 0", "limits.max_records_per_send"),
                            ("require_reason = \"yes\"", "limits.require_reason"), ("max_recs = 1", "limits.max_recs")] {
            do {
                _ = try ProfileParser.parse("name = \"p\"\nenvironment = \"dev\"\nrest_url = \"https://x.example/v3\"\ntopic_prefix = \"\"\napi_key = \"env:K\"\n[limits]\n\(text)\n", file: "p.toml")
                Issue.record("accepted \(text)")
            } catch let error as ProfileError { #expect(error.key == key, "\(error)") } catch { Issue.record("\(error)") }
        }
    }

    @Test func loadReportKeepsTheWarmupApart() throws {
        let sink = LoadReportSink(warmupRecords: 2)
        let record = EventRecord(value: Payload(type: .string, data: Array(repeating: 65, count: 1000)))
        for seq in 1...5 { sink.willSend(seq: seq, record: record) }
        sink.didReport((1...5).map { DeliveryReport(seq: $0, outcome: $0 == 5 ? .failed(code: 1, message: "x") : .delivered(partition: 0, offset: Int64($0), timestamp: nil),
                                                    latencyMilliseconds: Double($0 * 10)) })
        sink.didFinish(SendResult())
        let report = sink.report
        #expect(report.warmup?.records == 2 && report.measured.records == 3)
        #expect(report.delivered == 4 && report.failed == 1)
        #expect(report.measured.bytes == 3000 && report.warmup?.bytes == 2000)
        #expect(report.measured.latency.maximum == 50 && report.warmup?.latency.maximum == 20)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(report.json.utf8)) as? [String: Any])
        #expect(json["delivered"] as? Int == 4 && json["failed"] as? Int == 1 && json["unknown"] as? Int == 0)
        #expect((json["latency_ms"] as? [String: Any])?["max"] as? Double == 50)
        #expect((json["latency_ms"] as? [String: Any])?["p999"] as? Double == 50)
        #expect((json["warmup"] as? [String: Any])?["records"] as? Int == 2)
    }

    @Test func builtInLocalProfileMatchesTheShippedFile() throws {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../profiles/local.toml")
        #expect(BuiltInProfiles.local + "\n" == (try String(contentsOf: file, encoding: .utf8)))
        let store = ProfileStore(directories: [], builtIn: BuiltInProfiles.all)
        #expect(try store.load("local").isEmbeddedSandbox)
        #expect(store.all().map(\.name) == ["local"])
    }

    @Test func shellTextQuotesAndEscapes() {
        #expect(ShellText.quote("ing-staging-events") == "ing-staging-events")
        #expect(ShellText.quote("it's") == #"'it'\''s'"#)
        #expect(ShellText.printfFormat(Array("a%b\\c'\t".utf8)) == #"a%%b\\c'\''\011"#)
        #expect(ShellText.printfFormat([0xFF, 0x41]) == #"\377A"#)
    }
}

/// A curl command pasted from the guide, or printed by `--print curl`, read back into a send.
@Suite struct CurlImportTests {
    @Test func guideSingleEvent() throws {
        let imported = try CurlImport.parse("""
            curl --location 'https://producer.msk-rest-proxy.dev.acme.future-anthem-lz-pr.com/v3/clusters/lkc-1/topics/ing-staging-events /records' \\
            --header 'Content-Type: application/json' \\
            --header "x-api-key: secret-from-the-guide" \\
            --data '{
            "value": {
            "type": "JSON",
            "data": {"playerId": "123", "value": "test event 1"}
            }
            }'
            """)
        #expect(imported.send.topic == "ing-staging-events")
        #expect(imported.send.mode == .rest(.single))
        #expect(imported.send.valueType == .json)
        #expect(imported.send.data == #"{"playerId":"123","value":"test event 1"}"#)
        #expect(imported.notes.contains { $0.contains("stray space") } && imported.notes.contains { $0.contains("API key") })
        #expect(!"\(imported)".contains("secret-from-the-guide"))
    }

    @Test func stringBatchAndStreamBodies() throws {
        let string = try CurlImport.parse(#"curl -s 'http://h/v3/clusters/c/topics/t/records' -H 'Content-Type: application/json' --data '{"key":{"type":"STRING","data":"k1"},"partition_id":2,"headers":[{"name":"trace","value":"YWJj"}],"value":{"type":"STRING","data":"{\"playerId\": \"123\"}"}}' | jq ."#)
        #expect(string.send.valueType == .string && string.send.data == #"{"playerId": "123"}"#)
        #expect(string.send.key == "k1" && string.send.partition == 2 && string.send.headers == [HeaderTemplate(name: "trace", value: "abc")])
        let batch = try CurlImport.parse(#"curl 'http://h/v3/clusters/c/topics/t/records:batch' --data '{"entries":[{"id":"1","value":{"type":"JSON","data":{"a":1}}},{"id":"2","value":{"type":"JSON","data":{"a":2}}}]}'"#)
        #expect(batch.send.mode == .rest(.batch) && batch.records == 2 && batch.send.count == 2 && batch.send.data == #"{"a":1}"#)
        let stream = try CurlImport.parse("curl 'http://h/v3/clusters/c/topics/t/records' --header 'Transfer-Encoding: chunked' --data-binary '{\"value\":{\"type\":\"JSON\",\"data\":{}}}\n{\"value\":{\"type\":\"JSON\",\"data\":{}}}'")
        #expect(stream.send.mode == .rest(.stream) && stream.records == 2)
        for bad in ["wget http://x", "curl 'http://h/v3/clusters'", "curl 'http://h/v3/clusters/c/topics/t/records' --data @events.json",
                    "curl 'http://h/v3/clusters/c/topics/t/records' --data '{\"value\":'"] {
            #expect(throws: InputError.self, "\(bad)") { try CurlImport.parse(bad) }
        }
    }
}
