import Foundation
import Testing
import LLMCompressor
import TestSupport
@testable import compress_cli

/// A data-free run split over processes: `--part I/N` then `--finish N`, or ranks of an MPI
/// launcher (their environment variables set by hand here, as `mpirun` sets them), give the
/// output of one process byte for byte; parts that do not make one output are refused, and a
/// failed part fails the finish and leaves nothing behind.
@Suite struct SplitRunTests {
    static let model = Fixtures.path("tiny-llama")
    static let recipe = Fixtures.repositoryRoot + "/recipes/fp8_dynamic.yaml"

    /// `compress oneshot` of the tiny model into `output`, in 300 KB shards (seven of them).
    static func oneshot(_ output: String, _ options: [String] = [], model: String = model, recipe: String = recipe,
                        through wrapper: [String] = [], environment: [String: String] = [:]) throws -> CompressBinary.Result {
        try CompressBinary.run(["oneshot", "--model", model, "--recipe", recipe, "--output", output, "--quiet", "--max-shard-size", "300KB"] + options,
                               through: wrapper, environment: environment)
    }

    /// Every file of `folder` and the SHA-256 of its bytes.
    static func digests(_ folder: String) throws -> [String: String] {
        var digests: [String: String] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: folder) {
            let data = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + name))
            digests[name] = data.withUnsafeBytes { SHA256.hex($0) }
        }
        return digests
    }

    static func contents(_ path: String) throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: path).sorted() }

    static func expectRefused(_ result: CompressBinary.Result, saying words: String) {
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("error: ") && result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        #expect(result.stderr.contains(words), "\(result.stderr)")
    }

    /// Runs `count` processes at once, each from a thread of its own: `concurrentPerform` runs
    /// as many at once as the pool has free threads, so on a busy 2-core machine the last rank
    /// would start only after rank 0 had given up waiting for it.
    static func concurrently(_ count: Int, _ run: @escaping @Sendable (Int) throws -> CompressBinary.Result) -> [CompressBinary.Result?] {
        let results = ResultBox(count)
        let finished = DispatchGroup()
        for i in 0..<count {
            finished.enter()
            Thread {
                results.set(i, try? run(i))
                finished.leave()
            }.start()
        }
        finished.wait()
        return results.values
    }

    @Test(arguments: [1, 2, 3])
    func partsThenFinishGiveTheOutputOfOneRun(count: Int) throws {
        let folder = TemporaryFolder("split-run")
        #expect(try Self.oneshot(folder.file("single")).status == 0)
        for part in 1...count {
            let result = try Self.oneshot(folder.file("out"), ["--part", "\(part)/\(count)"])
            #expect(result.status == 0, "\(result.stderr)")
        }
        #expect(try Self.contents(folder.path) == [".out.parts", "single"])
        let finished = try Self.oneshot(folder.file("out"), ["--finish", "\(count)"])
        #expect(finished.status == 0, "\(finished.stderr)")
        let single = try Self.digests(folder.file("single"))
        #expect(single.keys.filter { $0.hasSuffix(".safetensors") }.count == 7)
        #expect(try Self.digests(folder.file("out")) == single)
        #expect(try Self.contents(folder.path) == ["out", "single"])
    }

    @Test func morePartsThanShardsLeaveSomeWithoutShards() throws {
        let folder = TemporaryFolder("split-run")
        #expect(try Self.oneshot(folder.file("single"), ["--max-shard-size", "5GB"]).status == 0)
        for part in 1...2 { #expect(try Self.oneshot(folder.file("out"), ["--max-shard-size", "5GB", "--part", "\(part)/2"]).status == 0) }
        #expect(try Self.oneshot(folder.file("out"), ["--max-shard-size", "5GB", "--finish", "2"]).status == 0)
        #expect(try Self.digests(folder.file("out")) == Self.digests(folder.file("single")))
        #expect(try Self.contents(folder.file("out")).filter { $0.hasSuffix(".safetensors") } == ["model.safetensors"])
    }

    @Test func aPartWrittenTwiceIsRefused() throws {
        let folder = TemporaryFolder("split-run")
        #expect(try Self.oneshot(folder.file("out"), ["--part", "1/2"]).status == 0)
        Self.expectRefused(try Self.oneshot(folder.file("out"), ["--part", "1/2"]), saying: "part 1/2 (host \(PartRecord.hostName)")
        Self.expectRefused(try Self.oneshot(folder.file("out"), ["--part", "1/2"]), saying: "is already written")
    }

    @Test func aMissingPartIsRefusedAndThePartsAreKeptUntilItIsWritten() throws {
        let folder = TemporaryFolder("split-run")
        Self.expectRefused(try Self.oneshot(folder.file("out"), ["--finish", "2"]), saying: "cannot finish: no part is written")
        #expect(try Self.oneshot(folder.file("out"), ["--part", "2/3"]).status == 0)
        Self.expectRefused(try Self.oneshot(folder.file("out"), ["--finish", "3"]), saying: "cannot finish: parts 1/3, 3/3 are not written (run --part 1/3, --part 3/3 first)")
        #expect(try Self.contents(folder.path) == [".out.parts"])
        #expect(try Self.oneshot(folder.file("out"), ["--part", "1/3"]).status == 0)
        #expect(try Self.oneshot(folder.file("out"), ["--part", "3/3"]).status == 0)
        #expect(try Self.oneshot(folder.file("out"), ["--finish", "3"]).status == 0)
        #expect(try Self.contents(folder.path) == ["out"])
    }

    @Test(arguments: [
        (["--part", "2/2"], Fixtures.repositoryRoot + "/recipes/w8a8.yaml", model, "was written from another plan (its recipe differs)"),
        (["--part", "2/2"], recipe, Fixtures.path("models/llama"), "was written from another plan (its model differs)"),
        (["--part", "2/2", "--max-shard-size", "200KB"], recipe, model, "was written from another plan (its shard layout differs)"),
        (["--part", "2/2", "--allow-nonfinite"], recipe, model, "(its --allow-nonfinite differs)"),
        (["--part", "2/3"], recipe, model, "part 1/2 (host \(PartRecord.hostName)"),
        (["--finish", "3"], recipe, model, "cannot finish: part 1/2"),
    ] as [([String], String, String, String)])
    func partsFromAnotherPlanAreRefused(_ options: [String], _ recipe: String, _ model: String, _ words: String) throws {
        let folder = TemporaryFolder("split-run")
        #expect(try Self.oneshot(folder.file("out"), ["--part", "1/2"]).status == 0)
        Self.expectRefused(try Self.oneshot(folder.file("out"), options, model: model, recipe: recipe), saying: words)
        #expect(try Self.contents(folder.path) == [".out.parts"])
        #expect(try Self.contents(folder.file(".out.parts")).filter { $0.hasPrefix("part-") } == ["part-1.json"])
    }

    @Test func aCalibratingRecipeIsRefusedWithPart() throws {
        let folder = TemporaryFolder("split-run")
        let result = try Self.oneshot(folder.file("out"), ["--part", "1/2"], recipe: Fixtures.repositoryRoot + "/recipes/fp8_static.yaml")
        Self.expectRefused(result, saying: "a run split over processes (--part, --finish, MPI ranks) is data-free only for now")
        #expect(try Self.contents(folder.path) == [])
    }

    @Test func aFailedPartFailsTheFinishNamingItAndLeavesNothing() throws {
        let folder = TemporaryFolder("split-run")
        #expect(try Self.oneshot(folder.file("out"), ["--part", "1/2"]).status == 0)
        // Every shard of part 2 is larger than 100 KB: its first write past the limit fails with EFBIG.
        let failed = try Self.oneshot(folder.file("out"), ["--part", "2/2"], through: ["/bin/sh", "-c", "ulimit -f 200 && exec \"$@\"", "sh"])
        #expect(failed.status == 1)
        #expect(try Self.contents(folder.file(".out.parts")).filter { $0.hasPrefix("part-2") } == ["part-2.json"])
        let finish = try Self.oneshot(folder.file("out"), ["--finish", "2"])
        Self.expectRefused(finish, saying: "out: part 2/2 (host \(PartRecord.hostName), pid ")
        #expect(finish.stderr.contains("failed: \(folder.file("out"))/model-0000"), "\(finish.stderr)")
        #expect(try Self.contents(folder.path) == [])
    }

    /// Starts part 1 of 2 of a model large enough to interrupt, with `environment`, and sends
    /// it SIGTERM once it has begun writing its shards.
    static func interruptedPart(_ options: [String], environment: [String: String], in folder: TemporaryFolder) throws {
        let model = try InterruptTests.largeModel(in: folder)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CompressBinary.path)
        process.arguments = ["oneshot", "--model", model, "--recipe", Self.recipe, "--output", folder.file("out"), "--quiet",
                             "--max-shard-size", "300KB"] + options
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardError = FileHandle.nullDevice
        try process.run()
        let writing = folder.file(".out.parts/part-1.writing")
        #expect(InterruptTests.wait(for: process) { ((try? Self.contents(writing)) ?? []).count >= 2 })
        InterruptTests.expectEnds(process, on: SIGTERM, with: 143)
    }

    @Test func anInterruptedPartLeavesNothing() throws {
        let folder = TemporaryFolder("split-run")
        try Self.interruptedPart(["--part", "1/2"], environment: [:], in: folder)
        #expect(try Self.contents(folder.path) == ["model"])
    }

    @Test func anInterruptedRankRemovesTheParts() throws {
        let folder = TemporaryFolder("split-run")
        try FileManager.default.createDirectory(atPath: folder.file(".out.parts"), withIntermediateDirectories: false)
        // A shard rank 1 has written meanwhile.
        _ = try folder.write(".out.parts/model-00002-of-00012.safetensors", text: "rank 1")
        try Self.interruptedPart([], environment: ["OMPI_COMM_WORLD_RANK": "0", "OMPI_COMM_WORLD_SIZE": "2"], in: folder)
        #expect(try Self.contents(folder.path) == ["model"])
    }

    @Test(arguments: [2, 3])
    func ranksOfALauncherSplitTheRunAndRankZeroFinishes(size: Int) throws {
        let folder = TemporaryFolder("split-run")
        #expect(try Self.oneshot(folder.file("single")).status == 0)
        let output = folder.file("out")
        let results = Self.concurrently(size) { rank in
            try Self.oneshot(output, environment: ["OMPI_COMM_WORLD_RANK": "\(rank)", "OMPI_COMM_WORLD_SIZE": "\(size)"])
        }
        for (rank, result) in results.enumerated() { #expect(result?.status == 0, "rank \(rank): \(result?.stderr ?? "did not run")") }
        #expect(results[0]?.stdout.contains("/out: 14 tensors quantized, 7 copied, 7 shard(s)") == true, "\(results[0]?.stdout ?? "")")
        for result in results.dropFirst() { #expect(result?.stdout.contains(" shard(s) of \(output) into ") == true, "\(result?.stdout ?? "")") }
        #expect(try Self.digests(output) == Self.digests(folder.file("single")))
        #expect(try Self.contents(folder.path) == ["out", "single"])
    }

    @Test func aRankThatFailsMakesRankZeroFailNamingItsRankAndHost() throws {
        let folder = TemporaryFolder("split-run")
        let output = folder.file("out")
        let results = Self.concurrently(3) { rank in
            try Self.oneshot(output, ["--parts-timeout", "60"], model: rank == 2 ? folder.file("missing-model") : Self.model,
                             environment: ["OMPI_COMM_WORLD_RANK": "\(rank)", "OMPI_COMM_WORLD_SIZE": "3"])
        }
        let rankZero = try #require(results[0])
        Self.expectRefused(rankZero, saying: "out: part 3/3 (rank 2, host \(PartRecord.hostName), pid ")
        #expect(rankZero.stderr.contains("failed: \(folder.file("missing-model")): cannot open"), "\(rankZero.stderr)")
        #expect(results[2]?.status == 1)
        #expect(try Self.contents(folder.path) == [])
    }

    /// A rank other than 0 never creates the parts folder: one that starts, or fails, after rank
    /// 0 gave up and removed it (here, with no rank 0 at all) waits `--parts-timeout` for it, then
    /// fails, leaving nothing.
    @Test(arguments: [false, true])
    func aLateRankLeavesNothing(modelIsMissing: Bool) throws {
        let folder = TemporaryFolder("split-run")
        let result = try Self.oneshot(folder.file("out"), ["--parts-timeout", "1"], model: modelIsMissing ? folder.file("missing-model") : Self.model,
                                      environment: ["OMPI_COMM_WORLD_RANK": "1", "OMPI_COMM_WORLD_SIZE": "2"])
        Self.expectRefused(result, saying: modelIsMissing ? "missing-model" : "part 2/2: the parts folder ")
        #expect(try Self.contents(folder.path) == [])
    }

    @Test(arguments: [
        (["OMPI_COMM_WORLD_RANK": "2", "OMPI_COMM_WORLD_SIZE": "4"], LauncherRank(launcher: "mpirun (Open MPI)", rank: 2, size: 4)),
        (["OMPI_COMM_WORLD_RANK": "5", "OMPI_COMM_WORLD_SIZE": "8", "OMPI_COMM_WORLD_LOCAL_RANK": "1"],
         LauncherRank(launcher: "mpirun (Open MPI)", rank: 5, size: 8, localRank: 1)),
        (["PMI_RANK": "1", "PMI_SIZE": "2", "MPI_LOCALRANKID": "1"], LauncherRank(launcher: "Hydra (MPICH, Intel MPI)", rank: 1, size: 2, localRank: 1)),
        (["SLURM_PROCID": "3", "SLURM_STEP_NUM_TASKS": "8", "SLURM_NTASKS": "8", "SLURM_LOCALID": "3"],
         LauncherRank(launcher: "srun", rank: 3, size: 8, localRank: 3)),
        // A batch script's own environment: no step, so no ranks to wait for.
        (["SLURM_PROCID": "0", "SLURM_NTASKS": "8"], nil),
        (["OMPI_COMM_WORLD_RANK": "0", "OMPI_COMM_WORLD_SIZE": "1"], nil),
        ([:], nil),
    ] as [([String: String], LauncherRank?)])
    func theLauncherIsReadFromItsEnvironment(_ environment: [String: String], _ expected: LauncherRank?) throws {
        #expect(try LauncherRank.detect(environment) == expected)
    }

    @Test func aLocalRankOutsideTheRanksIsRefused() {
        let environment = ["OMPI_COMM_WORLD_RANK": "1", "OMPI_COMM_WORLD_SIZE": "2", "OMPI_COMM_WORLD_LOCAL_RANK": "x"]
        #expect(throws: LauncherRankError.self) { try LauncherRank.detect(environment) }
    }

    @Test func aLauncherRankOutsideItsSizeIsRefused() throws {
        let folder = TemporaryFolder("split-run")
        let result = try Self.oneshot(folder.file("out"), environment: ["OMPI_COMM_WORLD_RANK": "3", "OMPI_COMM_WORLD_SIZE": "3"])
        Self.expectRefused(result, saying: "OMPI_COMM_WORLD_RANK=3 and OMPI_COMM_WORLD_SIZE=3, set by mpirun (Open MPI), are not a rank below a number of ranks")
        #expect(try Self.contents(folder.path) == [])
    }
}

/// The results of concurrent runs, by index.
final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [CompressBinary.Result?]

    init(_ count: Int) { stored = Array(repeating: nil, count: count) }

    func set(_ i: Int, _ result: CompressBinary.Result?) { lock.withLock { stored[i] = result } }

    var values: [CompressBinary.Result?] { lock.withLock { stored } }
}
