import Foundation
import TestSupport

/// A proxy that echoes the request's headers back in its errors, as a misconfigured gateway
/// might: the API key then comes back inside the error text. A python child process on a
/// port it bound itself (0) and printed; it dies with the test process.
final class EchoingProxy: Sendable {
    let process: ChildProcess
    let base: String

    private init(process: ChildProcess, base: String) {
        self.process = process
        self.base = base
    }

    static let script = """
        import http.server, json
        class H(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            def reply(self, status, kind, body):
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(data)
            def do_GET(self):
                if self.path.endswith("/clusters"):
                    self.reply(200, "application/json", json.dumps({"kind": "KafkaClusterList", "metadata": {}, "data": [{"kind": "KafkaCluster", "cluster_id": "echo-1", "brokers": {"related": "http://x/v3/clusters/echo-1/brokers"}}]}))
                else:
                    self.reply(401, "application/json", json.dumps({"error_code": 40101, "message": "key " + str(self.headers.get("x-api-key")) + " is not valid"}))
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                if length: self.rfile.read(length)
                self.reply(500, "text/html", "<html><body>upstream failed; request headers: " + " | ".join(k + ": " + v for k, v in self.headers.items()) + "</body></html>")
            def log_message(self, *args):
                pass
        server = http.server.HTTPServer(("127.0.0.1", 0), H)
        print(server.server_address[1], flush=True)
        server.serve_forever()
        """

    static func start() async throws -> EchoingProxy {
        let process = try ChildProcess(try Tools.path("python3", install: "apt-get install -y python3"), ["-c", script])
        guard let text = await process.waitForOutput(within: .seconds(20), { $0.hasSuffix("\n") }),
              let port = Int(text.trimmingCharacters(in: .whitespacesAndNewlines))
        else {
            process.stop()
            throw ChildProcessError("the echoing proxy did not start: \(process.stdout) \(process.stderrTail())")
        }
        return EchoingProxy(process: process, base: "http://127.0.0.1:\(port)/v3")
    }

    func stop() { process.stop() }
}
