import Testing
@testable import compress_cli
import LLMCompressor

/// The progress line fits the terminal: never wider than its columns less one (so that the
/// terminal does not wrap it and a carriage return redraws it in place), the bar first to go.
@Suite struct ProgressLineTests {
    /// Midway through a large model, with long numbers.
    static let progress = OneshotProgress(tensorsDone: 1_234, tensorsTotal: 2_469, bytesDone: 123_456_789_012,
                                          bytesTotal: 246_913_578_024, tensor: "model.layers.40.mlp.down_proj.weight")

    @Test(arguments: [1, 8, 20, 40, 60, 80, 100, 200])
    func theLineFitsTheWidth(width: Int) {
        let line = ProgressLine.render(Self.progress, elapsed: 75, width: width)
        #expect(line.count <= max(1, width - 1), "\(width): \(line)")
        #expect(!line.contains("\n") && !line.contains("\r"))
    }

    @Test func eightyColumnsHoldTheBarAndEveryNumber() {
        let line = ProgressLine.render(Self.progress, elapsed: 75, width: 80)
        let numbers = ProgressLine.parts(Self.progress, elapsed: 75)
        #expect(line.hasSuffix(" " + numbers.joined(separator: "  ")), "\(line)")
        let bar = line.prefix { $0 == "█" || $0 == "░" }
        #expect(bar.count >= ProgressLine.narrowestBar && bar.count <= ProgressLine.widestBar)
        #expect(bar.filter { $0 == "█" }.count == bar.count / 2)
    }

    @Test func aNarrowTerminalKeepsTheBarAndTheTensorCount() {
        let line = ProgressLine.render(Self.progress, elapsed: 75, width: 40)
        #expect(line.hasPrefix("█"))
        #expect(line.hasSuffix(" 1234/2469 tensors"), "\(line)")
    }

    @Test func wideTerminalsGetTheWidestBarOnly() {
        let line = ProgressLine.render(Self.progress, elapsed: 75, width: 200)
        #expect(line.prefix { $0 == "█" || $0 == "░" }.count == ProgressLine.widestBar)
    }
}
