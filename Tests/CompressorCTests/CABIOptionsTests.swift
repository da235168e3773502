import CompressorC
import Foundation
import Testing
import TestSupport

/// The C ABI refuses options it cannot use with `LLMC_BAD_OPTIONS` (64) and one line naming the
/// option, before any work starts.
@Suite struct CABIOptionsTests {
    static let model = Fixtures.path("tiny-llama")

    @Test func invalidJSONIsRefused() {
        let call = CABICall.oneshot("{\"model\": ")
        #expect(call.status == 64)
        #expect(call.text.hasPrefix("oneshot: the options are not valid JSON"), "\(call.text)")
    }

    @Test func optionsThatAreNotAnObjectAreRefused() {
        let call = CABICall.oneshot("[1, 2]")
        #expect(call.status == 64)
        #expect(call.text == "oneshot: the options must be a JSON object, got an array")
    }

    @Test func anUnknownOptionIsNamed() {
        let call = CABICall.oneshot(["model": Self.model, "recipe": "r.yaml", "output_dir": "/tmp/x", "num_samples": 4])
        #expect(call.status == 64)
        #expect(call.text.hasPrefix("oneshot: unknown option 'num_samples' (known: "), "\(call.text)")
    }

    @Test func aValueOfTheWrongKindIsNamed() {
        let call = CABICall.oneshot(["model": Self.model, "recipe": "r.yaml", "output_dir": "/tmp/x", "overwrite": "yes"])
        #expect(call.status == 64)
        #expect(call.text == "oneshot: the option 'overwrite' must be true or false, got a string")
    }

    @Test func aMissingRequiredOptionIsNamed() {
        let call = CABICall.oneshot(["model": Self.model, "recipe": "r.yaml"])
        #expect(call.status == 64)
        #expect(call.text == "oneshot: the option 'output_dir' is required")
    }

    @Test func theRecipeIsAFileOrYAMLTextNotBoth() {
        let both = CABICall.oneshot(["model": Self.model, "recipe": "r.yaml", "recipe_yaml": "x: 1", "output_dir": "/tmp/x"])
        #expect(both.status == 64)
        #expect(both.text.contains("one of them"))
        let neither = CABICall.oneshot(["model": Self.model, "output_dir": "/tmp/x"])
        #expect(neither.status == 64)
    }

    @Test func tokenIdsMustBeNonNegativeIntegers() {
        let call = CABICall.oneshot(["model": Self.model, "recipe": "r.yaml", "output_dir": "/tmp/x",
                                     "calibration_samples": [[1, 2], [3, -4]]])
        #expect(call.status == 64)
        #expect(call.text.hasPrefix("oneshot: calibration_samples[1] holds"), "\(call.text)")
    }

    @Test func countsBelowTheirMinimumAreRefused() {
        let call = CABICall.oneshot(["model": Self.model, "recipe": "r.yaml", "output_dir": "/tmp/x", "num_calibration_samples": 0])
        #expect(call.status == 64)
        #expect(call.text == "oneshot: the option 'num_calibration_samples' must be at least 1, got 0")
    }

    @Test func verifyLimitsNeedAnOriginal() {
        let call = CABICall.simple(llmc_verify, ["path": Self.model, "max_relative_rms": 0.1])
        #expect(call.status == 64)
        #expect(call.text.contains("pass 'against' too"))
    }

    @Test func aNullOptionsPointerIsRefused() {
        var result: UnsafeMutablePointer<CChar>?
        let status = llmc_inspect(nil, &result)
        defer { llmc_free(result) }
        #expect(status == 64)
        #expect(String(cString: result!).contains("null pointer"))
    }

    @Test func theVersionIsAStaticString() {
        #expect(String(cString: llmc_version()).split(separator: ".").count == 3)
    }
}
