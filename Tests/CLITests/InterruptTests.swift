import Checkpoint
import Foundation
import Testing
import TestSupport

/// Every command ends at once on SIGINT, SIGTERM, SIGHUP or a closed pipe, with the conventional
/// exit code and no output left behind; a run's output is locked against a second run, and what
/// killed runs left is cleaned up by the next.
@Suite struct InterruptTests {
    static let recipe = Fixtures.repositoryRoot + "/recipes/fp8_dynamic.yaml"
    static let calibratedModel = Fixtures.path("models/llama_calib")
    static let signals = [(SIGINT, Int32(130)), (SIGTERM, Int32(143)), (SIGHUP, Int32(129))]

    /// A model large enough that quantizing it takes a moment in a debug build: `layers` bf16
    /// matrices of 2048 × 2048, every element the bf16 0x3F3F (about 0.746).
    static func largeModel(in folder: TemporaryFolder, layers: Int = 12) throws -> String {
        let path = folder.file("model")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try folder.write("model/config.json", text: #"{"model_type": "llama", "architectures": ["LlamaForCausalLM"]}"#)
        let tensors = (0..<layers).map { OutputTensor(name: "model.layers.\($0).mlp.up_proj.weight", dtype: .bf16, shape: [2048, 2048]) }
        let writer = CheckpointWriter(directory: path, plan: ShardPlan(tensors: tensors))
        let one = [UInt8](repeating: 0x3F, count: 2048 * 2048 * 2)
        for t in tensors {
            try writer.begin(t.name)
            try one.withUnsafeBytes { try writer.append($0) }
        }
        try writer.finish()
        return path
    }

    /// Calibration text of a few hundred samples: the fixture text repeated.
    static func longText(in folder: TemporaryFolder) throws -> String {
        let text = try String(contentsOfFile: Fixtures.path("calibration/text.txt"), encoding: .utf8)
        return try folder.write("data.txt", text: String(repeating: text, count: 20))
    }

    /// Starts `compress ARGS`; its output goes where given (default: discarded).
    static func start(_ arguments: [String], stdout: Any = FileHandle.nullDevice, stderr: Any = FileHandle.nullDevice) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CompressBinary.path)
        process.arguments = arguments
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        return process
    }

    /// Waits until `condition` holds (at most a minute); returns whether the process still runs.
    static func wait(for process: Process, until condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(60)
        while !condition(), process.isRunning, Date() < deadline { usleep(2_000) }
        return process.isRunning
    }

    /// Waits for the process to end, at most `seconds` (a run that goes on is killed); returns
    /// whether it ended by itself.
    static func endsSoon(_ process: Process, seconds: Double = 5) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning, Date() < deadline { usleep(2_000) }
        let ended = !process.isRunning
        if !ended { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return ended
    }

    /// Expects `process` to have exited (not been killed by a signal) with `status`.
    static func expectExit(_ process: Process, _ status: Int32) {
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == status)
    }

    /// Sends `signal` and expects the process to end at once, exiting with `status`.
    static func expectEnds(_ process: Process, on signal: Int32, with status: Int32) {
        kill(process.processIdentifier, signal)
        #expect(endsSoon(process))
        expectExit(process, status)
    }

    static func contents(_ path: String) throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: path).sorted() }

    static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    /// The temporary folder `process` writes for the output `name` in `folder`.
    static func partial(_ name: String, in folder: TemporaryFolder, of process: Process) -> String {
        folder.file(".\(name)\(OutputFolder.partialMarker)\(process.processIdentifier)")
    }

    // MARK: Signals

    /// Data-free, and calibrating: then OpenBLAS's threads are busy with the main thread's work,
    /// and the run went on to the end when the handler called `exit`, which waits for them.
    @Test(arguments: [false, true], signals)
    func aSignalEndsTheRunAtOnceAndRemovesTheUnfinishedOutput(calibrating: Bool, signal: (Int32, Int32)) throws {
        let folder = TemporaryFolder("interrupt")
        let run = calibrating ? [
            "--model", Self.calibratedModel, "--recipe", Fixtures.repositoryRoot + "/recipes/w4a16_gptq.yaml",
            "--dataset", try Self.longText(in: folder), "--num-calibration-samples", "64", "--max-seq-length", "256", "--text-samples", "windows", "--no-shuffle", "--threads", "2",
        ] : ["--model", try Self.largeModel(in: folder), "--recipe", Self.recipe, "--threads", "1"]
        let process = try Self.start(["oneshot", "--output", folder.file("out")] + run)
        #expect(Self.wait(for: process) { Self.exists(Self.partial("out", in: folder, of: process) + "/model.safetensors") })
        usleep(300_000)
        #expect(process.isRunning, "the run finished before it could be interrupted")
        Self.expectEnds(process, on: signal.0, with: signal.1)
        #expect(try Self.contents(folder.path) == [calibrating ? "data.txt" : "model"])
    }

    @Test(arguments: signals)
    func evalEndsOnASignal(_ signal: Int32, _ expectedStatus: Int32) throws {
        let folder = TemporaryFolder("interrupt")
        let text = try Self.longText(in: folder)
        let log = folder.file("log")
        try Data().write(to: URL(fileURLWithPath: log))
        let process = try Self.start(["eval", "--model", Self.calibratedModel, "--text", text, "--context", "128", "--threads", "2"],
                                     stderr: try FileHandle(forWritingTo: URL(fileURLWithPath: log)))
        #expect(Self.wait(for: process) { ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").contains("eval: window 1/") },
                "eval finished before it could be interrupted")
        Self.expectEnds(process, on: signal, with: expectedStatus)
    }

    /// `generate` blocked writing to a full pipe (a pager that stopped reading) ends on Ctrl-C.
    @Test func generateEndsOnASignal() throws {
        let output = Pipe()
        let writer = output.fileHandleForWriting.fileDescriptor
        let flags = fcntl(writer, F_GETFL)
        _ = fcntl(writer, F_SETFL, flags | O_NONBLOCK)
        let block = [UInt8](repeating: 0x2E, count: 4096)
        while block.withUnsafeBytes({ write(writer, $0.baseAddress, $0.count) }) > 0 {}
        _ = fcntl(writer, F_SETFL, flags)
        let process = try Self.start(["generate", "--model", Self.calibratedModel, "--prompt", "Hello", "--max-tokens", "200"], stdout: output)
        let blocked = Self.wait(for: process) {
            ((try? String(contentsOfFile: "/proc/\(process.processIdentifier)/wchan", encoding: .utf8)) ?? "").contains("pipe_write")
        }
        #expect(blocked, "generate finished before it could be interrupted")
        Self.expectEnds(process, on: SIGINT, with: 130)
    }

    @Test func benchRemovesItsScratchOutputOnASignal() throws {
        let folder = TemporaryFolder("interrupt")
        let model = try Self.largeModel(in: folder)
        let process = try Self.start(["bench", "--model", model, "--recipe", Self.recipe, "--runs", "5", "--threads", "1", "--scratch", folder.path])
        let scratch = "compress-bench-\(process.processIdentifier)"
        #expect(Self.wait(for: process) { Self.exists(Self.partial(scratch, in: folder, of: process)) },
                "bench finished before it could be interrupted")
        Self.expectEnds(process, on: SIGINT, with: 130)
        #expect(try Self.contents(folder.path) == ["model"])
    }

    // MARK: Closed pipes

    /// `compress ... | head`: the reader goes away; the command ends quietly with 141 (128 + SIGPIPE).
    @Test(arguments: [["inspect", Fixtures.path("tiny-llama"), "--tensors"], ["generate", "--model", calibratedModel, "--prompt", "Hello", "--max-tokens", "200"]])
    func aClosedStandardOutputEndsTheCommandQuietly(_ arguments: [String]) throws {
        let output = Pipe(), errors = Pipe()
        try output.fileHandleForReading.close()
        let process = try Self.start(arguments, stdout: output, stderr: errors)
        let stderr = errors.fileHandleForReading.readDataToEndOfFile()
        #expect(Self.endsSoon(process))
        Self.expectExit(process, 141)
        #expect(String(decoding: stderr, as: UTF8.self).isEmpty)
    }

    @Test func aClosedProgressPipeRemovesTheUnfinishedOutput() throws {
        let folder = TemporaryFolder("interrupt")
        let model = try Self.largeModel(in: folder)
        let errors = Pipe()
        let process = try Self.start(["oneshot", "--model", model, "--recipe", Self.recipe, "--output", folder.file("out"), "--threads", "1"],
                                     stderr: errors)
        let first = errors.fileHandleForReading.availableData
        #expect(String(decoding: first, as: UTF8.self).hasPrefix("oneshot: "))
        try errors.fileHandleForReading.close()
        #expect(Self.endsSoon(process, seconds: 60))
        Self.expectExit(process, 141)
        #expect(try Self.contents(folder.path) == ["model"])
    }

    // MARK: Races and leftovers

    @Test func aSecondRunOfTheSameOutputIsRefusedNamingTheFirst() throws {
        let folder = TemporaryFolder("interrupt")
        let model = try Self.largeModel(in: folder)
        let arguments = ["oneshot", "--model", model, "--recipe", Self.recipe, "--output", folder.file("out"), "--threads", "1", "--quiet"]
        let first = try Self.start(arguments)
        #expect(Self.wait(for: first) { Self.exists(Self.partial("out", in: folder, of: first)) }, "the first run finished before the second started")
        let second = try CompressBinary.run(arguments + ["--overwrite"])
        #expect(second.status == 1)
        #expect(second.stderr == "error: \(folder.file("out")): another run (pid \(first.processIdentifier)) is writing this output\n")
        #expect(first.isRunning)
        kill(first.processIdentifier, SIGTERM)
        #expect(Self.endsSoon(first))
        #expect(try Self.contents(folder.path) == ["model"])
    }

    @Test func leftoversOfKilledRunsAreRemovedAndThoseOfLiveRunsKept() throws {
        let folder = TemporaryFolder("interrupt")
        let finished = Process()
        finished.executableURL = URL(fileURLWithPath: "/bin/true")
        try finished.run()
        finished.waitUntilExit()
        let dead = folder.file(".out\(OutputFolder.partialMarker)\(finished.processIdentifier)")
        let live = folder.file(".out\(OutputFolder.partialMarker)\(getpid())")
        for leftover in [dead, live] {
            try FileManager.default.createDirectory(atPath: leftover, withIntermediateDirectories: false)
            try Data(count: 1_500_000).write(to: URL(fileURLWithPath: leftover + "/model.safetensors"))
        }
        let result = try CompressBinary.run(["oneshot", "--model", Fixtures.path("tiny-llama"), "--recipe", Self.recipe, "--output", folder.file("out"), "--quiet"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr == "removed 1 unfinished output left by killed runs (1.50 MB)\n")
        #expect(try Self.contents(folder.path) == [(live as NSString).lastPathComponent, "out"])
    }
}
