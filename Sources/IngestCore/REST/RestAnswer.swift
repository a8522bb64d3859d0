import Foundation

/// What an answer other than 200/207 to a produce request means for the records it carried.
enum RestAnswer {
    /// 429 or 503: nothing was produced; the records go again after a pause.
    case refused(Refusal, RestError)
    /// 411 from a gateway that takes no chunked bodies: nothing was produced.
    case chunkedRefused(RestError)
    /// 413 from the gateway (its own body, no `error_code`): nothing was produced.
    case tooLarge(RestError)
    /// 504 from the gateway: it gave up waiting; the proxy may have produced.
    case timedOut(RestError)
    /// Anything else: the error's outcome for every record.
    case final(RestError)

    init(status: Int, contentType: String?, retryAfter: String?, body: [UInt8], topic: String?) {
        let error = RestErrorText.httpError(status: status, contentType: contentType, body: body, topic: topic)
        let fromProxy = (try? JSONDecoder().decode(Wire.Report.self, from: Data(body)))?.error_code != nil
        if let refusal = Refusal.request(status: status, retryAfter: retryAfter, code: error.code, message: error.description) {
            self = .refused(refusal, error)
        } else if status == 411 {
            self = .chunkedRefused(error)
        } else if status == 413 && !fromProxy {
            self = .tooLarge(RestError(kind: .http(status: 413), code: 413, description: "the gateway refused the request's size (413): \(error.description)"))
        } else if status == 504 {
            self = .timedOut(error)
        } else {
            self = .final(error)
        }
    }

    var error: RestError {
        switch self {
        case .refused(_, let error), .chunkedRefused(let error), .tooLarge(let error), .timedOut(let error), .final(let error): error
        }
    }
}
