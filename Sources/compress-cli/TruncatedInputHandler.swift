import Foundation
import LLMCompressor
import Synchronization

/// Turns a SIGBUS from reading a mapped shard into the failure any other fault gives: one error
/// line naming the shard, the unfinished output removed, exit code 1.
///
/// The checkpoint layer checks each shard before a tensor of it is read (`Checkpoint.checkedData`),
/// but a file truncated while one of its tensors is being read, or whose pages fail to read in (an
/// I/O error), raises SIGBUS on the next access of a lost page. The handler only uses
/// async-signal-safe calls (`write`, `_exit` and those of `UnfinishedOutput`) on data prepared by
/// `install`. A SIGBUS at an address outside the shards is not ours: the previous
/// handler is put back and the faulting access, run again, gets the default treatment.
enum TruncatedInputHandler {
    /// A shard's mapped address range and the line to print when it faults.
    private struct Region {
        let start: UInt
        let end: UInt
        let message: UnsafeBufferPointer<UInt8>
    }

    private static var regions = UnsafeMutableBufferPointer<Region>(start: nil, count: 0)
    private static var output: UnfinishedOutput?
    /// The handler replaced, on the heap: glibc writes a whole `struct sigaction` there, which a
    /// Swift global of that type was seen not to have room for (the write reached the next global).
    private static let previous = UnsafeMutableRawPointer.allocate(byteCount: 256, alignment: 16).bindMemory(to: sigaction.self, capacity: 1)
    /// Set by the first thread to fault, so that threads faulting together print one line.
    private static let claimed = Atomic<Bool>(false)

    /// Installs the handler for a run reading `checkpoint` and writing `unfinished` to `destination`.
    static func install(checkpoint: Checkpoint, destination: String, unfinished: UnfinishedOutput) {
        let partialPath = OutputFolder.workingPath(for: destination)
        let prepared = checkpoint.shards.compactMap { shard -> Region? in
            guard let base = shard.mapped.bytes.baseAddress else { return nil }
            let line = Array("error: \(shard.path): reading it failed (SIGBUS: the file was truncated while mapped, or an I/O error); removed the unfinished output \(partialPath)\n".utf8)
            let message = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: line.count)
            _ = message.initialize(from: line)
            let start = UInt(bitPattern: base)
            return Region(start: start, end: start + UInt(shard.mapped.bytes.count), message: UnsafeBufferPointer(message))
        }
        regions = .allocate(capacity: prepared.count)
        _ = regions.initialize(from: prepared)
        output = unfinished
        // Static stores are initialized on first use, which may allocate: never in the handler.
        _ = claimed.load(ordering: .relaxed)
        var action = sigaction()
        action.__sigaction_handler.sa_sigaction = { _, info, _ in TruncatedInputHandler.handle(info) }
        action.sa_flags = SA_SIGINFO
        sigemptyset(&action.sa_mask)
        sigaction(SIGBUS, &action, previous)
    }

    private static func handle(_ info: UnsafeMutablePointer<siginfo_t>?) {
        let address = UInt(bitPattern: info?.pointee._sifields._sigfault.si_addr)
        var index = 0
        while index < regions.count, !(regions[index].start <= address && address < regions[index].end) { index += 1 }
        guard index < regions.count else {
            sigaction(SIGBUS, previous, nil)
            return
        }
        let region = regions[index]
        guard claimed.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else {
            while true { pause() }
        }
        _ = output?.remove()
        _ = write(STDERR_FILENO, region.message.baseAddress, region.message.count)
        _exit(1)
    }
}
