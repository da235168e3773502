import Checkpoint
import Foundation
import JSON
import Testing
import TestSupport

/// `compress inspect` counts the parameters a compressed checkpoint holds, not its storage words.
@Suite struct InspectCommandTests {
    static let model = Fixtures.path("tiny-llama")
    /// The tiny Llama's parameters, and the values its 14 quantized Linear weights hold.
    static let parameters = 1_443_072
    static let quantizedValues = 1_179_648

    /// Packed weights count their unpacked values; scales (one per 128 values for W4A16, per 16
    /// for NVFP4), zero points (packed, one per scale), global scales and `weight_shape`s add theirs.
    @Test(arguments: [
        ("w4a16", parameters + quantizedValues / 128 + 14 * 2),
        ("w4a16_asym", parameters + 2 * quantizedValues / 128 + 14 * 2),
        ("nvfp4a16", parameters + quantizedValues / 16 + 14),
    ])
    func packedWeightsCountTheValuesTheyHold(recipe: String, expected: Int) throws {
        let folder = TemporaryFolder("cli-inspect")
        let output = folder.file("out")
        let compressed = try CompressBinary.run(["oneshot", "--model", Self.model, "--recipe", Fixtures.repositoryRoot + "/recipes/\(recipe).yaml",
                                                 "--output", output, "--quiet"])
        #expect(compressed.status == 0, "\(compressed.stderr)")
        let result = try CompressBinary.run(["inspect", output, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try JSONParser.parse(result.stdout)["parameters"]?.integerValue == Int64(expected))
        #expect(try Checkpoint(directory: output).tensors.reduce(0) { $0 + $1.info.elementCount } < expected)
    }

}
