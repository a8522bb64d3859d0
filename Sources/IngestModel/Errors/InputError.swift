/// A problem with what the operator gave us (flags, files, events): nothing was sent.
public struct InputError: Error, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
