import Foundation
import Testing
@testable import CUDA

@Suite("CUDA library discovery")
struct LibrarySearchTests {
    /// A search over `option` and `environment` only, without the machine's own folders.
    func search(option: String?, environment: [String: String]) -> LibrarySearch {
        LibrarySearch(option: option, environment: environment, systemFolders: [], systemPythonPackages: [])
    }

    @Test func foldersComeInOrderOptionEnvironmentLinkerPathThenPythonPackages() throws {
        let fake = try FakeFolders()
        defer { fake.remove() }
        let option = try fake.folder("option"), variable = try fake.folder("variable"), linker = try fake.folder("linker")
        let cu13 = try fake.folder("venv/lib/python3.11/site-packages/nvidia/cu13/lib")
        let nvrtc12 = try fake.folder("venv/lib/python3.11/site-packages/nvidia/cuda_nvrtc/lib")
        let user = try fake.folder("home/.local/lib/python3.12/site-packages/nvidia/cublas/lib")
        let found = search(option: option + ":" + fake.root + "/missing", environment: [
            "COMPRESS_CUDA_LIBRARIES": variable, "LD_LIBRARY_PATH": linker + ":" + option,
            "VIRTUAL_ENV": fake.root + "/venv", "HOME": fake.root + "/home",
        ])
        #expect(found.folders == [option, variable, linker, cu13, nvrtc12, user])
    }

    @Test func versionedFoldersSortNewestFirst() throws {
        let fake = try FakeFolders()
        defer { fake.remove() }
        for name in ["cuda-12.9", "cuda-12.10", "cuda-13.0", "other"] { try fake.folder(name + "/lib64") }
        let found = LibrarySearch(option: nil, environment: [:], systemFolders: [fake.root + "/cuda-*/lib64"], systemPythonPackages: [])
        #expect(found.folders == ["cuda-13.0", "cuda-12.10", "cuda-12.9"].map { fake.root + "/" + $0 + "/lib64" })
    }

    @Test func theFirstFolderWithAnyOfTheNamesWins() throws {
        let fake = try FakeFolders()
        defer { fake.remove() }
        let first = try fake.folder("first"), second = try fake.folder("second")
        let older = try fake.notALibrary("libnvrtc.so.12", in: first)
        try fake.notALibrary("libnvrtc.so.13", in: second)
        #expect(search(option: first + ":" + second, environment: [:]).locate(NVRTC.libraryNames) == older)
        let newer = try fake.notALibrary("libnvrtc.so.13", in: first)
        #expect(search(option: first + ":" + second, environment: [:]).locate(NVRTC.libraryNames) == newer)
    }

    /// Whether `error` is a one-line refusal of the file at `path`.
    func refuses(_ error: any Error, path: String) -> Bool {
        guard case let .libraryUnloadable(failing, _) = error as? CUDAError else { return false }
        return failing == path && !"\(error)".contains("\n") && "\(error)".hasPrefix(path + ": cannot be loaded as a CUDA library")
    }

    @Test func aFileThatIsNoLibraryIsNamedNotSkipped() throws {
        let fake = try FakeFolders()
        defer { fake.remove() }
        let folder = try fake.folder("nvrtc"), later = try fake.folder("later")
        let path = try fake.notALibrary("libnvrtc.so.13", in: folder)
        try fake.notALibrary("libnvrtc.so.13", in: later)
        #expect { try NVRTC(search: search(option: folder + ":" + later, environment: [:])) } throws: { refuses($0, path: path) }
    }

    @Test func theDriverIsLookedForInTheEnvironmentsFolder() throws {
        let fake = try FakeFolders()
        defer { fake.remove() }
        let folder = try fake.folder("driver")
        let path = try fake.notALibrary("libcuda.so.1", in: folder)
        #expect {
            try CUDADriver(search: search(option: nil, environment: ["COMPRESS_CUDA_LIBRARIES": folder]))
        } throws: { refuses($0, path: path) }
    }

    @Test func cuBLASLtIsLookedForInPythonPackages() throws {
        let fake = try FakeFolders()
        defer { fake.remove() }
        let folder = try fake.folder("env/lib/python3.11/site-packages/nvidia/cublas/lib")
        let path = try fake.notALibrary("libcublasLt.so.12", in: folder)
        #expect {
            try CUBLASLt(search: search(option: nil, environment: ["CONDA_PREFIX": fake.root + "/env"]))
        } throws: { refuses($0, path: path) }
    }

    @Test func cuBLASIsLookedForNewestFirstBesideCuBLASLt() throws {
        #expect(CUBLAS.libraryNames == ["libcublas.so.13", "libcublas.so.12"])
        let fake = try FakeFolders()
        defer { fake.remove() }
        let folder = try fake.folder("venv/lib/python3.12/site-packages/nvidia/cu13/lib")
        try fake.notALibrary("libcublas.so.12", in: folder)
        let newest = try fake.notALibrary("libcublas.so.13", in: folder)
        try fake.notALibrary("libcublasLt.so.13", in: folder)
        #expect {
            try CUBLAS(search: search(option: nil, environment: ["VIRTUAL_ENV": fake.root + "/venv"]))
        } throws: { refuses($0, path: newest) }
        let message = CUDAError.libraryNotFound(names: CUBLAS.libraryNames, searched: [folder]).description
        #expect(message.hasPrefix("CUDA library libcublas.so.13 or libcublas.so.12 not found: looked in \(folder) and"))
    }

    @Test func aMissingLibraryNamesEveryNameAndFolderOnOneLine() throws {
        let fake = try FakeFolders()
        defer { fake.remove() }
        let folder = try fake.folder("empty")
        let found = search(option: folder, environment: [:])
        #expect(throws: CUDAError.libraryNotFound(names: ["libcompress-absent.so.2", "libcompress-absent.so.1"], searched: [folder])) {
            try found.load(["libcompress-absent.so.2", "libcompress-absent.so.1"])
        }
        let message = CUDAError.libraryNotFound(names: NVRTC.libraryNames, searched: [folder]).description
        #expect(message == "CUDA library libnvrtc.so.13 or libnvrtc.so.12 not found: looked in \(folder) and the dynamic linker's default paths "
            + "(point --cuda-libraries or COMPRESS_CUDA_LIBRARIES at the folder that holds it)")
    }
}
