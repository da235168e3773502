import Foundation
import LLMCompressor

/// What a run writing an output must not leave behind when a signal ends it: the temporary
/// folder, an existing output set aside while being replaced (put back when the new one is not in
/// place yet) and the lock file, if this process holds it; for a part of a split run, its
/// unfinished folder and lock, or under an MPI launcher the whole parts folder. The paths are prepared here, so that
/// `remove()` runs in a signal handler: async-signal-safe calls only, no allocation.
struct UnfinishedOutput {
    private let working: UnsafeMutablePointer<CChar>
    private let aside: UnsafeMutablePointer<CChar>?
    private let destination: UnsafeMutablePointer<CChar>?
    /// The parts folder of a split run (`PartsFolder`), removed too under an MPI launcher.
    private let parts: UnsafeMutablePointer<CChar>?
    /// The parts folder of a part's own run, removed when nothing else is left in it.
    private let partsIfEmpty: UnsafeMutablePointer<CChar>?
    private let lock: UnsafeMutablePointer<CChar>
    /// What the lock file holds while this process owns it (`OutputLock`).
    private let owner: UnsafeBufferPointer<UInt8>
    private let ownerRead: UnsafeMutableBufferPointer<UInt8>
    /// Whether the destination itself is temporary (`bench`) and goes too.
    private let scratch: Bool
    /// The line that says the unfinished output was removed.
    let notice: UnsafeBufferPointer<UInt8>

    /// What a run writing `path` leaves; with `parts`, the split run's parts folder too.
    init(destination path: String, scratch: Bool = false, parts: Bool = false) {
        self.init(working: OutputFolder.workingPath(for: path), lock: OutputFolder.lockPath(for: path), what: "output",
                  aside: OutputFolder.asidePath(for: path), destination: URL(fileURLWithPath: path).standardizedFileURL.path,
                  parts: parts ? PartsFolder.path(for: path) : nil, partsIfEmpty: nil, scratch: scratch)
    }

    /// What a process writing `part` of the split run of `path` leaves: its unfinished folder,
    /// its lock (`PartOutput`), and the parts folder if no other part is in it.
    init(part: Int, of path: String) {
        let parts = PartsFolder.path(for: path)
        self.init(working: PartOutput.workingPath(parts: parts, part: part), lock: PartOutput.lockPath(parts: parts, part: part),
                  what: "part", aside: nil, destination: nil, parts: nil, partsIfEmpty: parts, scratch: false)
    }

    private init(working: String, lock: String, what: String, aside: String?, destination: String?, parts: String?,
                 partsIfEmpty: String?, scratch: Bool) {
        self.working = strdup(working)
        self.lock = strdup(lock)
        self.aside = aside.flatMap { strdup($0) }
        self.destination = destination.flatMap { strdup($0) }
        self.parts = parts.flatMap { strdup($0) }
        self.partsIfEmpty = partsIfEmpty.flatMap { strdup($0) }
        owner = Self.prepared("\(getpid())\n")
        ownerRead = .allocate(capacity: owner.count + 1)
        self.scratch = scratch
        notice = Self.prepared("\ninterrupted: removed the unfinished \(what) \(working)\n")
        SignalSafeRemoval.prepare()
    }

    /// Removes what the run leaves; returns whether an unfinished folder was there.
    func remove() -> Bool {
        let unfinished = SignalSafeRemoval.removeTree(working)
        if let aside, let destination, access(aside, F_OK) == 0 {
            if scratch || access(destination, F_OK) == 0 {
                SignalSafeRemoval.removeTree(aside)
            } else {
                rename(aside, destination)
            }
        }
        if scratch, let destination { SignalSafeRemoval.removeTree(destination) }
        if let parts { SignalSafeRemoval.removeTree(parts) }
        removeLockIfOwned()
        if let partsIfEmpty { rmdir(partsIfEmpty) }
        return unfinished
    }

    /// Unlinks the lock file when it names this process: another run's lock is left alone.
    private func removeLockIfOwned() {
        let file = open(lock, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard file >= 0 else { return }
        let count = read(file, ownerRead.baseAddress, ownerRead.count)
        close(file)
        guard count == owner.count else { return }
        for i in 0..<count where ownerRead[i] != owner[i] { return }
        unlink(lock)
    }

    private static func prepared(_ text: String) -> UnsafeBufferPointer<UInt8> {
        let bytes = Array(text.utf8)
        let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: bytes.count)
        _ = buffer.initialize(from: bytes)
        return UnsafeBufferPointer(buffer)
    }
}
