/// What the writer learnt of a record before it was sent, kept until its report comes.
struct PendingRecord {
    var digest: RecordDigest
    var size: Int
    /// The produce request, when the run keeps values.
    var value: [UInt8]?
}

/// Records sent and not yet reported, by seq. Seqs are handed out in increasing order and
/// reports come back roughly in that order, so a window over an array does the work of a
/// dictionary without hashing or allocating per record. A seq that falls outside the window
/// (out of order, or a record left unanswered far behind) goes to a small dictionary.
struct PendingRecords {
    private var slots: [PendingRecord?] = []
    /// `slots[head...]` may hold records; everything before is done.
    private var head = 0
    /// The seq of `slots[0]`.
    private var base = 0
    private var strays: [Int: PendingRecord] = [:]
    /// A record unanswered this far behind the newest one is moved aside, so the window stays bounded.
    static let maximumWindow = 1 << 20

    var count: Int { slots[head...].reduce(0) { $0 + ($1 == nil ? 0 : 1) } + strays.count }

    mutating func insert(seq: Int, _ record: PendingRecord) {
        if head == slots.count {
            slots.removeAll(keepingCapacity: true)
            head = 0
            base = seq
        }
        let index = seq - base
        guard index >= head, index < slots.count + Self.maximumWindow else {
            strays[seq] = record
            return
        }
        while slots.count <= index { slots.append(nil) }
        slots[index] = record
        while slots.count - head > Self.maximumWindow {
            if let stuck = slots[head] { strays[base + head] = stuck }
            slots[head] = nil
            advance()
        }
    }

    mutating func remove(seq: Int) -> PendingRecord? {
        let index = seq - base
        if index >= head, index < slots.count, let record = slots[index] {
            slots[index] = nil
            if index == head { advance() }
            return record
        }
        return strays.isEmpty ? nil : strays.removeValue(forKey: seq)
    }

    private mutating func advance() {
        while head < slots.count, slots[head] == nil { head += 1 }
        if head == slots.count {
            slots.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 4096, head * 2 >= slots.count {
            slots.removeFirst(head)
            base += head
            head = 0
        }
    }
}
