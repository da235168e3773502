/// A regular expression compiled to a small backtracking program over Unicode scalars, with the
/// leftmost-first semantics of Oniguruma (which the `tokenizers` library uses for `Split` and
/// `ByteLevel` patterns): alternatives are tried in order, greedy quantifiers take as much as
/// they can and give back one scalar at a time.
///
/// Matching works on scalars, never on `Character`s, so `\r\n`, emoji ZWJ sequences and combining
/// marks are split exactly where the Rust library splits them.
struct ScalarRegex: Sendable {
    enum Instruction: Sendable {
        /// Consume this scalar.
        case scalar(Unicode.Scalar)
        /// Consume one scalar of `sets[index]`.
        case set(Int)
        /// Consume between `min` and `max` scalars of `sets[set]`, as many as possible first.
        case run(set: Int, min: Int, max: Int)
        /// Continue at `preferred`; on failure, at `alternative`.
        case split(preferred: Int, alternative: Int)
        case jump(Int)
        /// Run the sub-program that follows (it ends with `.match`) at the current position without
        /// consuming; continue at `end` when it matched (or did not, when negated).
        case lookahead(end: Int, negated: Bool)
        case startOfText
        case endOfText
        case match
    }

    /// A saved alternative. For a `.run`, `floor` is the shortest position it may give back to,
    /// and the frame is retried one scalar shorter each time; otherwise `floor` is -1.
    struct Frame {
        var pc: Int
        var position: Int
        var floor: Int
    }

    private(set) var program: [Instruction] = []
    private(set) var sets: [ScalarSet] = []
    /// The hand-written scan that replaces the program for a well-known pattern.
    private var known: KnownSplitPattern?
    /// Larger programs are refused: counted repetitions expand into copies.
    private static let maxProgramLength = 100_000
    /// Matching steps (instructions run, scalars taken by a run) one scan may spend per scalar of
    /// text, on top of `baseSteps`: far more than real pre-tokenizer patterns need (a few dozen),
    /// far less than nested quantifiers such as `((\w+)+)+y` take on a long run (exponential in
    /// its length). A scan that runs out leaves the rest of the text unmatched, so a hostile
    /// pattern costs time linear in the text instead of hanging.
    static let stepsPerScalar = 1_000
    static let baseSteps = 100_000

    /// Compiles `pattern`. A well-known pre-tokenizer pattern (`KnownSplitPattern`) is matched by
    /// its hand-written scan unless `recognizingKnownPatterns` is false.
    init(_ pattern: String, recognizingKnownPatterns: Bool = true) throws(RegexSyntaxError) {
        var parser = RegexParser(pattern)
        let tree = try parser.parse()
        try emit(tree)
        program.append(.match)
        if recognizingKnownPatterns { known = KnownSplitPattern(pattern) }
    }

    /// Compiles a literal string: every scalar stands for itself.
    init(literal: String) {
        program = literal.unicodeScalars.map { .scalar($0) } + [.match]
    }

    // MARK: Compilation

    private mutating func append(_ instruction: Instruction) throws(RegexSyntaxError) -> Int {
        guard program.count < ScalarRegex.maxProgramLength else {
            throw RegexSyntaxError(message: "pattern expands to more than \(ScalarRegex.maxProgramLength) instructions")
        }
        program.append(instruction)
        return program.count - 1
    }

    private mutating func addSet(_ set: ScalarSet) -> Int {
        sets.append(set)
        return sets.count - 1
    }

    private mutating func emit(_ node: RegexNode) throws(RegexSyntaxError) {
        switch node {
        case .empty:
            break
        case let .scalar(scalar):
            _ = try append(.scalar(scalar))
        case let .set(set):
            _ = try append(.set(addSet(set)))
        case let .concatenation(nodes):
            for child in nodes { try emit(child) }
        case let .alternation(branches):
            var exits: [Int] = []
            for (i, branch) in branches.enumerated() {
                if i == branches.count - 1 {
                    try emit(branch)
                } else {
                    let split = try append(.jump(0))
                    try emit(branch)
                    exits.append(try append(.jump(0)))
                    program[split] = .split(preferred: split + 1, alternative: program.count)
                }
            }
            for exit in exits { program[exit] = .jump(program.count) }
        case let .repetition(child, min, max, greedy):
            try emitRepetition(child, min: min, max: max, greedy: greedy)
        case let .lookahead(child, negated):
            let start = try append(.jump(0))
            try emit(child)
            _ = try append(.match)
            program[start] = .lookahead(end: program.count, negated: negated)
        case .startOfText:
            _ = try append(.startOfText)
        case .endOfText:
            _ = try append(.endOfText)
        }
    }

    private mutating func emitRepetition(_ child: RegexNode, min: Int, max: Int?, greedy: Bool) throws(RegexSyntaxError) {
        if greedy {
            switch child {
            case let .scalar(scalar):
                _ = try append(.run(set: addSet(ScalarSet(items: [.range(scalar.value, scalar.value)])), min: min, max: max ?? .max))
                return
            case let .set(set):
                _ = try append(.run(set: addSet(set), min: min, max: max ?? .max))
                return
            default:
                break
            }
        }
        for _ in 0..<min { try emit(child) }
        if let max {
            var splits: [Int] = []
            for _ in min..<max {
                splits.append(try append(.jump(0)))
                try emit(child)
            }
            for split in splits {
                program[split] = greedy
                    ? .split(preferred: split + 1, alternative: program.count)
                    : .split(preferred: program.count, alternative: split + 1)
            }
        } else {
            let loop = try append(.jump(0))
            try emit(child)
            _ = try append(.jump(loop))
            program[loop] = greedy
                ? .split(preferred: loop + 1, alternative: program.count)
                : .split(preferred: program.count, alternative: loop + 1)
        }
    }

    // MARK: Matching

    /// The non-empty, non-overlapping matches in `text`, leftmost first, as scalar offset ranges.
    /// Matching stops, keeping the matches found so far, when it has spent its step budget
    /// (`baseSteps + stepsPerScalar` × the text's length).
    func matches(in text: [Unicode.Scalar]) -> [Range<Int>] {
        var result: [Range<Int>] = []
        if let known {
            text.withUnsafeBufferPointer { known.forEachMatch(in: $0) { result.append($0) } }
            return result
        }
        var stack: [Frame] = []
        stack.reserveCapacity(16)
        var budget = ScalarRegex.baseSteps + ScalarRegex.stepsPerScalar * text.count
        text.withUnsafeBufferPointer { buffer in
            program.withUnsafeBufferPointer { program in
            sets.withUnsafeBufferPointer { sets in
            var start = 0
            while start < buffer.count && budget > 0 {
                if let end = ScalarRegex.matchEnd(program, sets, in: buffer, at: start, pc: 0, stack: &stack, budget: &budget), end > start {
                    result.append(start..<end)
                    start = end
                } else {
                    start += 1
                }
            }
            }
            }
        }
        return result
    }

    /// Calls `body` with each match `matches(in:)` gives, in order; a known pattern's matches
    /// are handed over as its scan finds them, without collecting them first.
    func forEachMatch(in text: [Unicode.Scalar], _ body: (Range<Int>) -> Void) {
        if let known {
            text.withUnsafeBufferPointer { known.forEachMatch(in: $0, body) }
        } else {
            for match in matches(in: text) { body(match) }
        }
    }

    /// Runs the program from `pc` at `start`; returns where the match ends, or nil (also when
    /// `budget` runs out). Frames pushed by this call are popped before it returns, so lookaheads
    /// can nest on one stack.
    private static func matchEnd(_ program: UnsafeBufferPointer<Instruction>, _ sets: UnsafeBufferPointer<ScalarSet>,
                                 in text: UnsafeBufferPointer<Unicode.Scalar>, at start: Int, pc startPC: Int,
                                 stack: inout [Frame], budget: inout Int) -> Int? {
        let base = stack.count
        var pc = startPC
        var position = start
        let count = text.count
        while true {
            budget -= 1
            if budget < 0 {
                stack.removeSubrange(base...)
                return nil
            }
            var failed = false
            switch program[pc] {
            case let .scalar(scalar):
                if position < count && text[position] == scalar { position += 1; pc += 1 } else { failed = true }
            case let .set(index):
                if position < count && sets[index].contains(text[position]) { position += 1; pc += 1 } else { failed = true }
            case let .run(index, min, max):
                var taken = 0
                while taken < max && position + taken < count && sets[index].contains(text[position + taken]) { taken += 1 }
                budget -= taken
                if taken < min {
                    failed = true
                } else {
                    if taken > min { stack.append(Frame(pc: pc + 1, position: position + taken - 1, floor: position + min)) }
                    position += taken
                    pc += 1
                }
            case let .split(preferred, alternative):
                // A branch that starts with a scalar or set the text does not have here fails at
                // once: go straight to the alternative.
                switch program[preferred] {
                case let .scalar(scalar) where position >= count || text[position] != scalar:
                    pc = alternative
                case let .set(index) where position >= count || !sets[index].contains(text[position]):
                    pc = alternative
                default:
                    stack.append(Frame(pc: alternative, position: position, floor: -1))
                    pc = preferred
                }
            case let .jump(target):
                pc = target
            case let .lookahead(end, negated):
                let found = matchEnd(program, sets, in: text, at: position, pc: pc + 1, stack: &stack, budget: &budget) != nil
                if found != negated { pc = end } else { failed = true }
            case .startOfText:
                if position == 0 { pc += 1 } else { failed = true }
            case .endOfText:
                if position == count { pc += 1 } else { failed = true }
            case .match:
                stack.removeSubrange(base...)
                return position
            }
            if failed {
                guard stack.count > base else { return nil }
                let frame = stack.removeLast()
                pc = frame.pc
                position = frame.position
                if frame.floor >= 0 && frame.position > frame.floor {
                    stack.append(Frame(pc: frame.pc, position: frame.position - 1, floor: frame.floor))
                }
            }
        }
    }
}
