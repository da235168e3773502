import ArgumentParser

/// `--json`: the result as JSON on standard output (`JSONOutput`), for machines, instead of text.
struct JSONOption: ParsableArguments {
    @Flag(help: "Print the result as JSON on standard output instead of text.")
    var json = false
}
