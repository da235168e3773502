import Runtime

/// A ``LayerTap`` that hands each site's activations to the collectors registered for that site.
final class SiteTap: LayerTap {
    typealias Collector = (_ values: UnsafePointer<Float>, _ rows: Int, _ width: Int, _ stride: Int) -> Void
    private var collectors: [LayerSite: [Collector]] = [:]
    let calibratesEveryExpert: Bool

    /// A tap that sees every expert of a mixture on every token (`everyExpert`), or each on its routed tokens.
    init(everyExpert: Bool = true) { calibratesEveryExpert = everyExpert }

    /// Whether no collector is registered.
    var isEmpty: Bool { collectors.isEmpty }

    /// Calls `collector` with every activation block seen at `site`.
    func add(_ site: LayerSite, _ collector: @escaping Collector) {
        collectors[site, default: []].append(collector)
    }

    func observe(_ site: LayerSite, _ values: UnsafePointer<Float>, rows: Int, width: Int, stride: Int) {
        guard let list = collectors[site] else { return }
        for collector in list { collector(values, rows, width, stride) }
    }
}

/// The smallest and largest value of each channel over everything observed (SmoothQuant's
/// activation statistics).
final class ChannelRange {
    private(set) var minimum: [Float]
    private(set) var maximum: [Float]

    init(width: Int) {
        minimum = Array(repeating: .infinity, count: width)
        maximum = Array(repeating: -.infinity, count: width)
    }

    func observe(_ values: UnsafePointer<Float>, rows: Int, width: Int, stride: Int) {
        minimum.withUnsafeMutableBufferPointer { lo in
            maximum.withUnsafeMutableBufferPointer { hi in
                for r in 0..<rows {
                    let row = values + r * stride
                    for c in 0..<width {
                        lo[c] = Swift.min(lo[c], row[c])
                        hi[c] = Swift.max(hi[c], row[c])
                    }
                }
            }
        }
    }
}

extension ChannelRange {
    /// Widens each channel's range to take in `minimum...maximum` (another rank's ranges).
    func merge(minimum other: [Float], maximum otherMaximum: [Float]) {
        for c in minimum.indices where c < other.count && c < otherMaximum.count {
            minimum[c] = Swift.min(minimum[c], other[c])
            maximum[c] = Swift.max(maximum[c], otherMaximum[c])
        }
    }

    /// Makes each of `ranges` (the same sites on every rank, in the same order) the range over
    /// every rank's samples; minima and maxima combine exactly, whatever the order.
    static func reduce(_ ranges: [ChannelRange], over reducer: any StatisticsReducer) throws(ModifierError) {
        guard reducer.size > 1 else { return }
        var payload = StatisticsPayload()
        for range in ranges {
            payload.append(range.minimum)
            payload.append(range.maximum)
        }
        var parts = try reducer.allGather(payload)
        for r in parts.indices {
            for range in ranges { range.merge(minimum: try parts[r].floats(), maximum: try parts[r].floats()) }
        }
    }
}
