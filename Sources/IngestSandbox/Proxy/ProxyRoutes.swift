import Foundation
import Hummingbird
import HTTPTypes
import IngestModel
import NIOCore

// The proxy's endpoints: discovery documents, and produce (single, streamed, batch).
extension SandboxServer {
    func addProxyRoutes(_ router: Router<BasicRequestContext>) {
        router.get("/v3/clusters") { [self] _, _ in json(.ok, clusterList()) }
        router.get("/v3/clusters/:cluster") { [self] _, context in
            let id = context.parameters.get("cluster") ?? ""
            guard id == configuration.clusterID else { return clusterNotFound(id) }
            return json(.ok, cluster())
        }
        router.get("/v3/clusters/:cluster/brokers") { [self] _, context in
            let id = context.parameters.get("cluster") ?? ""
            guard id == configuration.clusterID else { return clusterNotFound(id) }
            return json(.ok, brokerList())
        }
        router.post("/v3/clusters/:cluster/topics/:topic/:action") { [self] request, context in
            let id = context.parameters.get("cluster") ?? ""
            let topic = context.parameters.get("topic") ?? ""
            let action = context.parameters.get("action") ?? ""
            guard id == configuration.clusterID else { return clusterNotFound(id) }
            let number = countProduceRequest()
            let faults = self.faults
            if let failure = faults.failRequests, number <= faults.failFirst ?? Int.max { return Self.failure(failure) }
            switch action {
            case "records": return produce(request: request, topic: topic, faults: faults)
            case "records:batch": return try await batch(request: request, topic: topic, faults: faults)
            default: return errorResponse(.notFound, code: 404, message: "HTTP 404 Not Found")
            }
        }
    }

    func json(_ status: HTTPResponse.Status, _ object: Any) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    func errorResponse(_ status: HTTPResponse.Status, code: Int, message: String) -> Response {
        json(status, ["error_code": code, "message": message])
    }

    func clusterNotFound(_ id: String) -> Response {
        errorResponse(.notFound, code: 404, message: "Cluster \(id) cannot be found.")
    }

    static func failure(_ failure: SandboxFaults.RequestFailure) -> Response {
        func body(_ status: HTTPResponse.Status, _ type: String, _ text: String) -> Response {
            Response(status: status, headers: [.contentType: type], body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        switch failure {
        case .html429:
            return body(.tooManyRequests, "text/html;charset=iso-8859-1", "<html><head><title>Error 429 Too Many Requests</title></head><body><h2>HTTP ERROR 429 Too Many Requests</h2><p>Reason: Too Many Requests</p></body></html>")
        case .json429: return body(.tooManyRequests, "application/json", #"{"error_code":429,"message":"Request rate limit exceeded: The rate limit of requests per second has been exceeded."}"#)
        case .json500: return body(.internalServerError, "application/json", #"{"error_code":500,"message":"Internal Server Error"}"#)
        case .json503: return body(.serviceUnavailable, "application/json", #"{"error_code":50302,"message":"Broker not available"}"#)
        case .html502: return body(.badGateway, "text/html", "<html><body><h1>502 Bad Gateway</h1></body></html>")
        case .gateway403: return body(.forbidden, "application/json", #"{"message":"Forbidden"}"#)
        }
    }

    func link(_ path: String) -> [String: String] { ["related": baseURL + path] }

    func cluster() -> [String: Any] {
        let id = configuration.clusterID
        return [
            "kind": "KafkaCluster",
            "metadata": ["self": baseURL + "/clusters/\(id)", "resource_name": "crn:///kafka=\(id)"],
            "cluster_id": id,
            "controller": link("/clusters/\(id)/brokers/1"),
            "acls": link("/clusters/\(id)/acls"),
            "brokers": link("/clusters/\(id)/brokers"),
            "broker_configs": link("/clusters/\(id)/broker-configs"),
            "consumer_groups": link("/clusters/\(id)/consumer-groups"),
            "topics": link("/clusters/\(id)/topics"),
            "partition_reassignments": link("/clusters/\(id)/topics/-/partitions/-/reassignment"),
        ]
    }

    func clusterList() -> [String: Any] {
        ["kind": "KafkaClusterList", "metadata": ["self": baseURL + "/clusters", "next": NSNull()], "data": [cluster()]]
    }

    func brokerList() -> [String: Any] {
        let id = configuration.clusterID
        let brokers = configuration.kafka.map { $0.bootstrap.compactMap(HostPort.init) }
            ?? (configuration.brokers.isEmpty ? [HostPort(host: configuration.host, port: port)] : configuration.brokers)
        let data: [[String: Any]] = brokers.enumerated().map { index, broker in
            [
                "kind": "KafkaBroker",
                "metadata": ["self": baseURL + "/clusters/\(id)/brokers/\(index + 1)", "resource_name": "crn:///kafka=\(id)/broker=\(index + 1)"],
                "cluster_id": id, "broker_id": index + 1, "host": broker.host, "port": broker.port, "rack": NSNull(),
                "configs": link("/clusters/\(id)/brokers/\(index + 1)/configs"),
                "partition_replicas": link("/clusters/\(id)/brokers/\(index + 1)/partition-replicas"),
            ]
        }
        return ["kind": "KafkaBrokerList", "metadata": ["self": baseURL + "/clusters/\(id)/brokers", "next": NSNull()], "data": data]
    }

    static func reportJSON(_ object: [String: Any]) -> [UInt8] {
        Array((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data())
    }
}

struct SandboxDrop: Error {}
