import ArgumentParser
import Foundation
import LLMCompressor

/// `compress cuda-check`: compiles every CUDA kernel with NVRTC, for named architectures (no GPU
/// needed) or for a device's own, refusing warnings; optionally writes the CUBINs.
struct CUDACheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cuda-check",
        abstract: "Compile the CUDA backend's kernels with NVRTC and report any error or warning.",
        discussion: """
            With --arch, only NVRTC is loaded (no GPU or driver needed): every kernel is compiled for each architecture. Without it, the driver is loaded and the kernels are compiled for the --device's own architecture. A compiler's log is printed in full; the command fails if any kernel has an error or a warning.
            """)

    @Option(help: ArgumentHelp("Architectures to compile for, comma-separated (e.g. sm_80,sm_89,sm_90a); default: the device's.", valueName: "LIST"))
    var arch: String?

    @OptionGroup var device: DeviceOption

    @Option(help: "Write each CUBIN to this folder as NAME-ARCH.cubin.", completion: .directory)
    var output: String?

    func validate() throws {
        if let arch { do { _ = try GPUArchitecture.list(arch) } catch { throw ValidationError("--arch: \(error)") } }
        if arch == nil, try device.chosen == .cpu { throw ValidationError("give --arch, or --device cuda[:N] to compile for a device") }
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
    }
}
