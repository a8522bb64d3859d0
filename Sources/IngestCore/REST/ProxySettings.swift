/// `HTTPS_PROXY` / `HTTP_PROXY` / `NO_PROXY`, as curl reads them. Loopback never goes
/// through a proxy.
public enum ProxySettings {
    public static func proxy(forScheme scheme: String, host: String, environment: [String: String]) -> HostPort? {
        if HostPort.isLoopback(host) { return nil }
        let names = scheme == "https" ? ["https_proxy", "HTTPS_PROXY"] : ["http_proxy", "HTTP_PROXY"]
        guard let value = names.lazy.compactMap({ environment[$0] }).first(where: { !$0.isEmpty }) else { return nil }
        let noProxy = environment["no_proxy"] ?? environment["NO_PROXY"] ?? ""
        if bypasses(host: host, noProxy: noProxy) { return nil }
        var text = Substring(value)
        if let scheme = text.range(of: "://") { text = text[scheme.upperBound...] }
        if let at = text.lastIndex(of: "@") { text = text[text.index(after: at)...] }
        if let slash = text.firstIndex(of: "/") { text = text[..<slash] }
        return HostPort(String(text)) ?? HostPort(host: String(text), port: 3128)
    }

    static func bypasses(host: String, noProxy: String) -> Bool {
        let host = host.lowercased()
        for entry in noProxy.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) where !entry.isEmpty {
            if entry == "*" { return true }
            let suffix = entry.hasPrefix(".") ? String(entry.dropFirst()) : entry
            if host == suffix || host.hasSuffix("." + suffix) { return true }
        }
        return false
    }
}
