import Testing
@testable import Recipes

@Suite struct SchemePresetTests {
    @Test func everyPresetResolves() throws {
        #expect(SchemePresets.names.count == 33)
        for name in SchemePresets.names {
            let scheme = try #require(SchemePresets.scheme(named: name, targets: ["Linear"]))
            #expect(scheme.targets == ["Linear"])
            #expect(scheme.outputActivations == nil)
            #expect(scheme.format == nil)
            if let weights = scheme.weights { #expect(weights.observer == "memoryless_minmax", "\(name)") }
            // Every preset goes through the recipe parser too.
            _ = try Recipe.parse(yaml: "QuantizationModifier: {scheme: \(name)}", file: "p.yaml")
        }
    }

    @Test func onlyStaticActivationPresetsNeedCalibration() {
        let needing = SchemePresets.names.filter { SchemePresets.scheme(named: $0, targets: ["Linear"])!.requiresCalibration }
        #expect(needing == ["FP8", "NVFP4"])
    }

    @Test func namesAreCaseInsensitive() {
        #expect(SchemePresets.scheme(named: "fp8_dynamic", targets: ["Linear"]) == SchemePresets.scheme(named: "FP8_DYNAMIC", targets: ["Linear"]))
        #expect(SchemePresets.scheme(named: "FP9", targets: ["Linear"]) == nil)
        #expect(SchemePresets.scheme(named: "INT8", targets: ["Linear"]) == SchemePresets.scheme(named: "W8A8", targets: ["Linear"]))
    }

    @Test func validatedValues() throws {
        let nvfp4 = try #require(SchemePresets.scheme(named: "NVFP4", targets: ["Linear"]))
        let input = try #require(nvfp4.inputActivations)
        #expect(input.dynamic == .local)
        #expect(input.observer == "static_minmax")
        #expect(input.strategy == .tensorGroup && input.groupSize == 16)
        #expect(input.configJSON["dynamic"] == .string("local"))
        #expect(input.scaleDtype == "torch.float8_e4m3fn")

        let fp8 = try #require(SchemePresets.scheme(named: "FP8", targets: ["Linear"]))
        #expect(fp8.weights?.strategy == .tensor)
        #expect(fp8.inputActivations?.dynamic == .off)
        #expect(fp8.inputActivations?.observer == "static_minmax")

        let w4a8 = try #require(SchemePresets.scheme(named: "W4A8", targets: ["Linear"]))
        #expect(w4a8.weights?.numBits == 4 && w4a8.weights?.groupSize == 128 && w4a8.weights?.strategy == .group)
        #expect(w4a8.inputActivations?.numBits == 8 && w4a8.inputActivations?.strategy == .token)
        #expect(w4a8.inputActivations?.observer == nil)
        #expect(SchemePresets.scheme(named: "W3A16", targets: ["Linear"])?.inputActivations == nil)

        let w4afp8 = try #require(SchemePresets.scheme(named: "W4AFP8", targets: ["Linear"]))
        #expect(w4afp8.inputActivations?.type == .float)

        let mxfp8 = try #require(SchemePresets.scheme(named: "MXFP8", targets: ["Linear"]))
        #expect(mxfp8.weights?.scaleDtype == "torch.uint8" && mxfp8.weights?.groupSize == 32)
        #expect(mxfp8.inputActivations?.dynamic == .on)

        let unquantized = try #require(SchemePresets.scheme(named: "UNQUANTIZED", targets: ["Linear"]))
        #expect(unquantized.weights == nil && unquantized.inputActivations == nil)

        // zp_dtype is filled in but only written for asymmetric args.
        let asym = try #require(SchemePresets.scheme(named: "W4A16_ASYM", targets: ["Linear"])?.weights)
        #expect(asym.zpDtype == "torch.int8")
        #expect(asym.configJSON["zp_dtype"] == .string("torch.int8"))
        let sym = try #require(SchemePresets.scheme(named: "W4A16", targets: ["Linear"])?.weights)
        #expect(sym.zpDtype == "torch.int8")
        #expect(sym.configJSON["zp_dtype"] == .null)
    }
}
