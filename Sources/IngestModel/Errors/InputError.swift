/// A problem with what the operator gave us (flags, files, events): nothing was sent.
public struct InputError: Error, Equatable, CustomStringConvertible {
    public let description: String
    /// Where in the text the problem is (UTF-8 bytes from its start), when it is one spot.
    public var offset: Int? = nil
    public init(_ description: String) { self.description = description }
    public init(_ description: String, offset: Int?) {
        self.description = description
        self.offset = offset
    }
}
