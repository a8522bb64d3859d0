import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// A request-level failure, with a message that says what to do about it.
public struct RestError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The proxy or gateway answered with an error status.
        case http(status: Int)
        /// Never reached the proxy (DNS, refused, TLS): nothing was sent.
        case connection
        case tls
        /// The exchange broke after the request went out: outcomes unknown.
        case interrupted
        /// A body we could not read where JSON was due.
        case protocolViolation
    }

    public var kind: Kind
    /// The proxy's `error_code` where it gave one, else the HTTP status or a negative client code.
    public var code: Int
    public var description: String

    public init(kind: Kind, code: Int, description: String) {
        self.kind = kind
        self.code = code
        self.description = description
    }

    /// For records this error touched: did it certainly not produce them?
    public var outcome: Outcome {
        switch kind {
        case .connection, .tls: return .failed(code: code, message: description)
        case .interrupted, .protocolViolation: return .unknown(message: description)
        case .http(let status):
            // A gateway 502/504 may come after the proxy produced: say unknown, not failed.
            if status == 502 || status == 504 { return .unknown(message: description) }
            return .failed(code: code, message: description)
        }
    }
}

enum RestErrorText {
    /// Adds advice to the proxy's own text for the codes an operator meets.
    static func explain(code: Int, message: String?, topic: String? = nil) -> String {
        let text = message ?? "no message"
        switch code {
        case 40401, 40403:
            let name = topic.map { "topic \($0)" } ?? "the topic"
            return "\(text) (\(name) does not exist: topics are created by the platform, ask Future Anthem for it)"
        case 401, 40101: return "\(text) (Kafka authentication failed behind the proxy)"
        case 403, 40301: return "\(text) (not authorized)"
        case 408: return "\(text) (the stream was open longer than the proxy allows)"
        case 413: return "\(text) (the record is larger than Kafka accepts)"
        case 429, 42901: return "\(text) (rate limited: send slower, e.g. --rate)"
        default: return text
        }
    }

    /// Describes an error answer from its status, content type and body.
    static func httpError(status: Int, contentType: String?, body: [UInt8], topic: String?) -> RestError {
        let isJSON = contentType?.contains("json") ?? false || body.first == UInt8(ascii: "{")
        if isJSON, let report = try? JSONDecoder().decode(Wire.Report.self, from: Data(body)), let code = report.error_code {
            return RestError(kind: .http(status: status), code: code,
                             description: "HTTP \(status), error_code \(code): \(explain(code: code, message: report.message, topic: topic))")
        }
        if status == 403 {
            let message = (try? JSONDecoder().decode(Wire.GatewayMessage.self, from: Data(body)))?.message ?? "Forbidden"
            return RestError(kind: .http(status: 403), code: 403,
                             description: "the API gateway refused the request (403 \(message)): check the profile's api_key for this environment")
        }
        if status == 429 {
            return RestError(kind: .http(status: 429), code: 429,
                             description: "rate limited (HTTP 429\(isJSON ? "" : ", an HTML page from the proxy's DoS filter")): wait and send slower, e.g. --rate")
        }
        let snippet = String(decoding: body.prefix(120), as: UTF8.self)
            .replacingOccurrences(of: "\n", with: " ").trimmingCharacters(in: .whitespaces)
        let what = contentType.map { "a \($0) body" } ?? "a non-JSON body"
        let advice = status >= 500 ? "the proxy or gateway failed; try again later" : "is rest_url the proxy's /v3 base?"
        return RestError(kind: .http(status: status), code: status,
                         description: "HTTP \(status) with \(what) where JSON was due (\(advice)): \(snippet)")
    }

    /// Turns transport errors into words, by their type. Never includes request headers.
    /// `tlsMinimum` is the profile's, named when the server offers no version at or above it.
    static func transport(_ error: any Error, host: String, sent: Bool, tlsMinimum: TLSMinimumVersion = .v1_2) -> RestError {
        if let error = error as? RestError { return error }
        if let failure = TLSFailure(error) {
            return RestError(kind: .tls, code: ClientErrorCode.tls,
                             description: "TLS with \(host) failed: \(failure.description(minimum: tlsMinimum)); check the proxy's certificate (and ca_file / tls_min_version)")
        }
        let unresolvable = RestError(kind: .connection, code: ClientErrorCode.connection, description: "cannot resolve \(host): check rest_url and client_id, and your DNS / VPN")
        let refused = RestError(kind: .connection, code: ClientErrorCode.connection, description: "\(host) refused the connection: is the proxy (or sandbox) running at rest_url?")
        switch error {
        case let connection as NIOConnectionError:
            if connection.dnsAError != nil || connection.dnsAAAAError != nil, connection.connectionErrors.isEmpty { return unresolvable }
            if connection.connectionErrors.allSatisfy({ ($0.error as? IOError)?.errnoCode == ECONNREFUSED }) { return refused }
            return RestError(kind: .connection, code: ClientErrorCode.connection, description: "cannot connect to \(host): \(connectionReason(connection)); check rest_url and your network / proxy (HTTPS_PROXY)")
        case let io as IOError where io.errnoCode == ECONNREFUSED:
            return refused
        case is SocketAddressError:
            return unresolvable
        case ChannelError.connectTimeout:
            return RestError(kind: .connection, code: ClientErrorCode.connection, description: "connecting to \(host) timed out: check rest_url and your network / proxy (HTTPS_PROXY)")
        case let client as HTTPClientError:
            switch client {
            case .connectTimeout, .tlsHandshakeTimeout:
                return RestError(kind: .connection, code: ClientErrorCode.connection, description: "connecting to \(host) timed out: check rest_url and your network / proxy (HTTPS_PROXY)")
            case .readTimeout, .deadlineExceeded:
                return RestError(kind: sent ? .interrupted : .connection, code: ClientErrorCode.connection, description: "no answer from \(host) in time (timeout)")
            case .remoteConnectionClosed:
                return RestError(kind: sent ? .interrupted : .connection, code: ClientErrorCode.connection, description: "\(host) closed the connection before answering")
            default: break
            }
        default: break
        }
        return RestError(kind: sent ? .interrupted : .connection, code: ClientErrorCode.connection,
                         description: "\(sent ? "connection to \(host) broke" : "cannot reach \(host)"): \(scrub(String(describing: error)))")
    }

    static func connectionReason(_ error: NIOConnectionError) -> String {
        let reasons = error.connectionErrors.map { "\($0.target): \(scrub(String(describing: $0.error)))" }
        return reasons.isEmpty ? "no address answered" : reasons.joined(separator: "; ")
    }

    /// Removes anything that looks like a header line or an API key from error text.
    static func scrub(_ text: String) -> String {
        var out = text
        for marker in ["x-api-key", "X-Api-Key", "authorization", "Authorization"] {
            while let range = out.range(of: marker) {
                let end = out[range.upperBound...].firstIndex(where: { $0 == "," || $0 == "]" || $0 == "\n" || $0 == ")" }) ?? out.endIndex
                out.replaceSubrange(range.lowerBound..<end, with: "[header removed]")
            }
        }
        return out
    }
}
