/// This process's rank and the number of ranks when an MPI launcher or Slurm's `srun` started
/// it, read from the environment they set: no MPI library is linked or loaded, since a split
/// data-free run coordinates through the output's parts folder, not through messages.
///
/// Launchers are tried in order: Open MPI's `mpirun` (OMPI_COMM_WORLD_RANK/SIZE), MPICH's and
/// Intel MPI's Hydra (PMI_RANK/PMI_SIZE), a PMIx launcher with Open MPI's size (PMIX_RANK), and
/// `srun` (SLURM_PROCID with SLURM_STEP_NUM_TASKS, which only `srun` sets: a batch script holds
/// SLURM_PROCID=0 and SLURM_NTASKS for the whole allocation, and must not wait for ranks that
/// never start). Each also tells the rank's place among the ranks on its host (its local rank),
/// which picks the GPU of `--device cuda`.
struct LauncherRank: Equatable {
    let launcher: String
    let rank: Int
    let size: Int
    /// The rank's index among the ranks on its host; 0 when the launcher does not say.
    let localRank: Int

    init(launcher: String, rank: Int, size: Int, localRank: Int = 0) {
        self.launcher = launcher
        self.rank = rank
        self.size = size
        self.localRank = localRank
    }

    private static let launchers = [
        ("mpirun (Open MPI)", "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_LOCAL_RANK"),
        ("Hydra (MPICH, Intel MPI)", "PMI_RANK", "PMI_SIZE", "MPI_LOCALRANKID"),
        ("PMIx", "PMIX_RANK", "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_LOCAL_RANK"),
        ("srun", "SLURM_PROCID", "SLURM_STEP_NUM_TASKS", "SLURM_LOCALID"),
    ]

    /// The launcher's rank and size, or nil when no launcher set both (or it started one rank).
    /// - Throws: a one-line message when a launcher's variables do not hold a rank below a size.
    static func detect(_ environment: [String: String]) throws(LauncherRankError) -> LauncherRank? {
        for (launcher, rankName, sizeName, localName) in launchers {
            guard let rankText = environment[rankName], let sizeText = environment[sizeName] else { continue }
            guard let rank = Int(rankText), let size = Int(sizeText), size >= 1, rank >= 0, rank < size else {
                throw LauncherRankError(message: "\(rankName)=\(rankText) and \(sizeName)=\(sizeText), set by \(launcher), are not a rank below a number of ranks")
            }
            let localText = environment[localName] ?? "0"
            guard let localRank = Int(localText), localRank >= 0, localRank < size else {
                throw LauncherRankError(message: "\(localName)=\(localText), set by \(launcher), is not a local rank below \(size) ranks")
            }
            return size > 1 ? LauncherRank(launcher: launcher, rank: rank, size: size, localRank: localRank) : nil
        }
        return nil
    }
}

/// Why a launcher's environment cannot be read.
struct LauncherRankError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
