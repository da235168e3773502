import Foundation

/// What runs writing the same output left behind when they were killed (`kill -9`, the OOM
/// killer, a power cut): their temporary folders, `.NAME.partial-PID`, and the previous outputs
/// they had set aside while replacing them, `.NAME.partial-PID-old`. Only those of a process that
/// is gone (or of this one: a killed run that had its id) are touched, and only by a run holding
/// the output's lock.
public struct OutputLeftovers: Sendable, Equatable {
    /// Folders removed, and the bytes of their files.
    public let removed: Int
    public let bytes: Int
    /// Whether the destination was missing and a previous output set aside was put back in place.
    public let restored: Bool

    /// Whether anything was done.
    public var isEmpty: Bool { removed == 0 && !restored }

    /// Cleans up after the killed runs that wrote `destination` (a standardized path). A set-aside
    /// previous output is moved back when the destination is missing (its run was killed between
    /// the two renames of a replace), and removed otherwise.
    static func clean(destination: String) -> OutputLeftovers {
        let parent = (destination as NSString).deletingLastPathComponent
        let prefix = "." + (destination as NSString).lastPathComponent + OutputFolder.partialMarker
        let names = (try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? []
        var removed = 0, bytes = 0, restored = false
        for name in names.sorted() where name.hasPrefix(prefix) {
            let rest = name.dropFirst(prefix.count)
            let setAside = rest.hasSuffix(OutputFolder.asideSuffix)
            let digits = setAside ? rest.dropLast(OutputFolder.asideSuffix.count) : rest
            guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber),
                  let pid = Int32(digits), pid > 0, pid == getpid() || !isRunning(pid) else { continue }
            let path = parent + "/" + name
            if setAside, !FolderPaths.exists(destination), rename(path, destination) == 0 {
                restored = true
                continue
            }
            let size = Self.bytes(in: path)
            guard (try? FileManager.default.removeItem(atPath: path)) != nil else { continue }
            removed += 1
            bytes += size
        }
        return OutputLeftovers(removed: removed, bytes: bytes, restored: restored)
    }

    /// Whether process `pid` exists (one of another user counts: it cannot be signalled, but lives).
    private static func isRunning(_ pid: Int32) -> Bool {
        kill(pid, 0) == 0 || errno != ESRCH
    }

    /// The bytes of the files under `path`, symlinks not followed.
    private static func bytes(in path: String) -> Int {
        guard let walk = FileManager.default.enumerator(atPath: path) else { return 0 }
        var total = 0
        while walk.nextObject() != nil {
            total += (walk.fileAttributes?[.size] as? NSNumber)?.intValue ?? 0
        }
        return total
    }
}
