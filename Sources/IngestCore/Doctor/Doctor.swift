import Foundation
import IngestKafka
import NIOCore
import NIOPosix
import NIOSSL
import X509

/// The connection doctor: checks in the order a connection is built, and at the first
/// failure says what to do. Every check is a real exchange with the endpoint.
public struct Doctor: Sendable {
    public var client: RestClient
    /// Resolves the Kafka connection (password, bootstrap); nil skips the Kafka checks.
    public var kafkaTarget: (@Sendable (Discovery) async throws -> NativeSender.Target)?
    /// A topic to check for, full name.
    public var topic: String?

    public init(client: RestClient, kafkaTarget: (@Sendable (Discovery) async throws -> NativeSender.Target)?, topic: String?) {
        self.client = client
        self.kafkaTarget = kafkaTarget
        self.topic = topic
    }

    /// Runs the checks, handing each to `report` as it completes; stops at the first failure.
    /// A cancelled task stops before its next check (the console cancels when its view is left);
    /// the checks not run are then not reported.
    public func run(report: @Sendable (DoctorCheck) -> Void) async -> Bool {
        var failed = false
        func record(_ check: DoctorCheck) {
            report(check)
            if check.status == .fail { failed = true }
        }
        func skipRest(from first: DoctorCheckID) {
            report(.skipped(first))
            for rest in first.following { report(.skipped(rest)) }
        }
        guard let components = URLComponents(string: client.baseURL), let host = components.host else {
            record(DoctorCheck(.dns, status: .fail, detail: "rest_url has no host", advice: "fix rest_url in \(client.profile.source)"))
            return false
        }
        let https = components.scheme == "https"
        let port = components.port ?? (https ? 443 : 80)

        // DNS
        let addresses = Self.resolve(host)
        if addresses.isEmpty {
            record(DoctorCheck(.dns, status: .fail, detail: "\(host) does not resolve",
                               advice: "check client_id and rest_url in \(client.profile.source), and your DNS / VPN"))
            skipRest(from: .tcp)
            return false
        }
        record(DoctorCheck(.dns, status: .pass, detail: "\(host) -> \(addresses.prefix(3).joined(separator: ", "))"))

        // TCP
        if Task.isCancelled { return false }
        switch await Self.connectTime(host: host, port: port) {
        case .success(let milliseconds):
            record(DoctorCheck(.tcp, status: .pass, detail: "\(host):\(port) connected in \(String(format: "%.1f", milliseconds)) ms"))
        case .failure(let error):
            record(DoctorCheck(.tcp, status: .fail, detail: "\(host):\(port): \(error.message)",
                               advice: "check your network, firewall or corporate proxy (HTTPS_PROXY)"))
            skipRest(from: .tls)
            return false
        }

        // TLS
        if Task.isCancelled { return false }
        if https {
            switch await Self.tlsDetails(host: host, port: port, minimum: client.profile.tlsMinVersion, caFile: client.caFile) {
            case .success(let detail): record(DoctorCheck(.tls, status: .pass, detail: detail))
            case .failure(let error):
                record(DoctorCheck(.tls, status: .fail, detail: error.message,
                                   advice: "the proxy's certificate is not trusted, or it offers no TLS version or cipher suite ingest accepts: check tls_min_version and ca_file"))
                skipRest(from: .apiKey)
                return false
            }
        } else {
            record(DoctorCheck(.tls, status: .skip, detail: "plain http on loopback"))
        }

        // API key, cluster, brokers
        if Task.isCancelled { return false }
        let discovery: Discovery
        do {
            discovery = try await client.discover()
            record(DoctorCheck(.apiKey, status: .pass, detail: "GET /clusters accepted"))
            record(DoctorCheck(.cluster, status: .pass, detail: discovery.clusterID))
        } catch let error as RestError {
            let isKey = error.code == 403 || error.code == 401
            record(DoctorCheck(isKey ? .apiKey : .cluster, status: .fail, detail: error.description,
                               advice: isKey ? "the gateway refused the key: check api_key for this environment" : "the proxy did not answer as a REST Proxy v3: check rest_url"))
            skipRest(from: isKey ? .cluster : .brokers)
            return false
        } catch {
            record(DoctorCheck(.apiKey, status: .fail, detail: "\(error)", advice: "check rest_url"))
            skipRest(from: .cluster)
            return false
        }
        guard !discovery.brokers.isEmpty else {
            record(DoctorCheck(.brokers, status: .fail, detail: "the proxy lists no broker with a host and port", advice: "ask Future Anthem for the bootstrap servers"))
            skipRest(from: .brokerReach)
            return false
        }
        record(DoctorCheck(.brokers, status: .pass, detail: discovery.brokers.map(\.description).joined(separator: ",")))

        // Broker reach: where IP whitelisting shows.
        var unreachable: [String] = []
        var reached: [String] = []
        for broker in discovery.brokers {
            if Task.isCancelled { return false }
            switch await Self.connectTime(host: broker.host, port: broker.port) {
            case .success(let milliseconds): reached.append("\(broker) \(String(format: "%.1f", milliseconds)) ms")
            case .failure(let error): unreachable.append("\(broker): \(error.message)")
            }
        }
        if !unreachable.isEmpty {
            record(DoctorCheck(.brokerReach, status: .fail, detail: unreachable.joined(separator: "; "),
                               advice: "brokers accept only whitelisted source IPs: share this machine's public IP with Future Anthem"))
            skipRest(from: .kafkaLogin)
            return false
        }
        record(DoctorCheck(.brokerReach, status: .pass, detail: reached.joined(separator: ", ")))

        // Kafka login and topic.
        if Task.isCancelled { return false }
        guard let kafkaTarget else {
            report(DoctorCheck(.kafkaLogin, status: .skip, detail: "no kafka.password in the profile"))
            report(DoctorCheck(.topic, status: .skip, detail: "needs the Kafka login"))
            return !failed
        }
        do {
            let target = try await kafkaTarget(discovery)
            let producer = try await KafkaProducer.connect(NativeSender.configuration(target))
            let tls = producer.tlsSession.map { " over \($0)" + (TLSServerHello.isForwardSecret($0.cipherSuite) ? ", forward secret" : ", NOT forward secret") } ?? ""
            record(DoctorCheck(.kafkaLogin, status: .pass, detail: "SASL_SSL, SCRAM-SHA-512 as \(target.username)\(tls)"))
            if let topic {
                do {
                    let partitions = try await producer.partitionCount(of: topic)
                    record(DoctorCheck(.topic, status: .pass, detail: "\(topic): \(partitions) partitions"))
                } catch {
                    record(DoctorCheck(.topic, status: .fail, detail: "\(error)", advice: "topics are created by the platform: ask Future Anthem for \(topic)"))
                }
            } else {
                report(DoctorCheck(.topic, status: .skip, detail: "give --topic to check one", skipReason: .noTopic))
            }
            await producer.close()
        } catch {
            let tls = if case KafkaProducerError.tlsFailed = error { true } else { false }
            record(DoctorCheck(.kafkaLogin, status: .fail, detail: "\(error)",
                               advice: tls ? "the brokers' TLS: check ca_file and tls_min_version in \(client.profile.source)"
                                   : "check kafka.password (and ca_file) in \(client.profile.source)"))
            skipRest(from: .topic)
        }
        return !failed
    }

    static func resolve(_ host: String) -> [String] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &result) == 0, let first = result else { return [] }
        defer { freeaddrinfo(first) }
        var addresses: [String] = []
        var pointer: UnsafeMutablePointer<addrinfo>? = first
        while let info = pointer {
            var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            if getnameinfo(info.pointee.ai_addr, info.pointee.ai_addrlen, &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST) == 0 {
                let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                if !addresses.contains(text) { addresses.append(text) }
            }
            pointer = info.pointee.ai_next
        }
        return addresses
    }

    public struct Problem: Error, Sendable { public var message: String }

    static func connectTime(host: String, port: Int) async -> Result<Double, Problem> {
        await ConnectProbe.connect(host: host, port: port, timeoutSeconds: 5).mapError { Problem(message: $0.shortDescription) }
    }

    static func commonName(_ name: DistinguishedName) -> String {
        for rdn in name {
            for attribute in rdn where attribute.type == .RDNAttributeType.commonName {
                return "CN=\(attribute.value)"
            }
        }
        return name.description
    }

    /// Handshake under ingest's TLS policy with certificate checks on; reports the version, the
    /// suite (and whether it is forward-secret), the certificate's names and its expiry. A
    /// refused handshake is explained by what the server offers.
    static func tlsDetails(host: String, port: Int, minimum: TLSMinimumVersion, caFile: String) async -> Result<String, Problem> {
        let handshake: TLSHandshake
        do {
            handshake = await TLSHandshake.run(host: host, port: port, configuration: try TLSPolicy.clientConfiguration(minimum: minimum, caFile: caFile))
        } catch {
            return .failure(Problem(message: "ca_file \(caFile) is not a readable PEM certificate file"))
        }
        if let error = handshake.error {
            var reason = TLSFailure(error)?.description(minimum: minimum) ?? RestErrorText.scrub("\(error)")
            if let failure = TLSFailure(error), failure.mayBeThePolicy, let explained = await TLSProbe.explain(host: host, port: port) {
                reason = explained
            }
            return .failure(Problem(message: "TLS with \(host):\(port) failed: \(reason)"))
        }
        var detail = handshake.version.map { "\($0)" } ?? "TLS"
        if let suite = handshake.suite { detail += ", " + TLSHandshake.describe(suite: suite) }
        if let certificate = handshake.certificate {
            // Who the certificate names and who signed it: a corporate TLS-inspecting proxy shows here.
            if let parsed = try? Certificate(derEncoded: certificate.toDERBytes()) {
                detail += ", certificate \(Self.commonName(parsed.subject)) issued by \(Self.commonName(parsed.issuer))"
            }
            let expiry = Date(timeIntervalSince1970: TimeInterval(certificate.notValidAfter))
            let days = Int(expiry.timeIntervalSinceNow / 86_400)
            detail += ", valid until \(expiry.formatted(Date.ISO8601FormatStyle())) (\(days) days)"
            if days < 14 { detail += " — expires soon" }
        }
        return .success(detail)
    }
}

