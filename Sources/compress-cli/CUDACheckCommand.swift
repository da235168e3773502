import ArgumentParser
import Foundation
import LLMCompressor

/// `compress cuda-check`: compiles every CUDA kernel with NVRTC, for named architectures (no GPU
/// needed) or for a device's own, refusing warnings; optionally writes the CUBINs, or runs every
/// kernel (and a model) on the device against the CPU runtime's code.
struct CUDACheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cuda-check",
        abstract: "Compile the CUDA backend's kernels with NVRTC and report any error or warning.",
        discussion: """
            With --arch, only NVRTC is loaded (no GPU or driver needed): every kernel is compiled for each architecture. Without it, the driver is loaded and the kernels are compiled for the --device's own architecture. A compiler's log is printed in full; the command fails if any kernel has an error or a warning. --run then launches every kernel on the device on seeded random inputs and compares it with the CPU runtime's own code (one PASS or FAIL line per case), and with --model DIR also runs that model's forward pass on the device against the CPU (its logits on three seeded random windows); it fails if any case does.
            """)

    @Option(help: ArgumentHelp("Architectures to compile for, comma-separated (e.g. sm_80,sm_89,sm_90a); default: the device's.", valueName: "LIST"))
    var arch: String?

    @OptionGroup var device: DeviceOption

    @Option(help: "Write each CUBIN to this folder as NAME-ARCH.cubin.", completion: .directory)
    var output: String?

    @Flag(name: .customLong("run"), help: "Also run every kernel on the --device against the CPU runtime's code.")
    var runKernels = false

    @Option(help: ArgumentHelp("With --run, also run this model (a dense decoder) on the --device against the CPU: its logits on seeded random windows.",
                               valueName: "DIR"), completion: .directory)
    var model: String?

    func validate() throws {
        if let arch { do { _ = try GPUArchitecture.list(arch) } catch { throw ValidationError("--arch: \(error)") } }
        if arch == nil, try device.chosen == .cpu { throw ValidationError("give --arch, or --device cuda[:N] to compile for a device") }
        if runKernels, arch != nil { throw ValidationError("--run launches the kernels on the --device: give --device cuda[:N] instead of --arch") }
        if model != nil, !runKernels { throw ValidationError("--model is run on the device by --run: give --run too") }
    }

    func run() throws {
        let search = LibrarySearch(option: device.cudaLibraries)
        let architectures: [GPUArchitecture]
        let nvrtc: NVRTC
        do {
            if let arch {
                architectures = try GPUArchitecture.list(arch)
            } else {
                guard case let .cuda(index) = try device.chosen else { throw ExitCode(64) }
                let found = try CUDADriver(search: search).device(index)
                print("device cuda:\(index): \(found.name), \(found.architecture)")
                architectures = [found.architecture]
            }
            nvrtc = try NVRTC(search: search)
            print("NVRTC \(nvrtc.version.major).\(nvrtc.version.minor) from \(nvrtc.path)")
            if let output { try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true) }
        } catch let error as ExitCode {
            throw error
        } catch {
            throw fail(error)
        }
        var failures: [CUDAError] = []
        for architecture in architectures {
            for source in KernelSource.all {
                do {
                    let compiled = try nvrtc.compile(source, architecture: architecture)
                    if let output {
                        try Data(compiled.cubin).write(to: URL(fileURLWithPath: "\(output)/\(source.name.dropLast(3))-\(architecture).cubin"))
                    }
                    print("ok    \(architecture)  \(source.name)  \(Formatting.bytes(compiled.cubin.count))")
                } catch let error as CUDAError {
                    if case let .compilation(_, _, log) = error { FileHandle.standardError.write(Data((log + "\n").utf8)) }
                    print("FAIL  \(architecture)  \(source.name)")
                    failures.append(error)
                } catch {
                    throw fail(error)
                }
            }
        }
        if let first = failures.first { throw fail(first) }
        if runKernels, case let .cuda(index) = try device.chosen { try launchKernels(device: index, search: search) }
    }

    /// Launches every kernel on device `index` against the CPU runtime's code, printing each case.
    private func launchKernels(device index: Int, search: LibrarySearch) throws {
        let cases: [CUDAKernelCheck.Case]
        // Each case printed as it is compared (and flushed), so that a failure or crash later shows how far the run got.
        let report: (CUDAKernelCheck.Case) -> Void = { check in
            print("\(check.passed ? "PASS" : "FAIL")  \(check.name): max error \(String(format: "%.3e", check.error)) (tolerance \(check.tolerance))")
            fflush(stdout)
        }
        // The context outlives the error's message: a device fault can make releasing it (cuBLAS's handle) abort.
        let context: CUDAContext
        do { context = try CUDAContext(CUDABackend.open(device: index, search: search)) } catch { throw fail(error) }
        cases = try withExtendedLifetime(context) {
            do {
                var cases = try CUDAKernelCheck.run(on: context, report: report)
                if let model { cases += try CUDAKernelCheck.compare(model: DecoderModel(directory: model), name: model, on: context, report: report) }
                return cases
            } catch { throw fail(error) }
        }
        let failed = cases.filter { !$0.passed }.count
        guard failed == 0 else {
            log("error: \(failed) of \(cases.count) cases on cuda:\(index) differ from the CPU runtime beyond their tolerance")
            throw ExitCode(1)
        }
    }
}
