import Foundation
import Testing
import TestSupport

/// `compress --generate-completion-script SHELL`: swift-argument-parser's completion scripts offer
/// every subcommand and, for each, its options, those of the shared option groups included.
@Suite struct CompletionTests {
    static let subcommands = HelpTests.commands.compactMap(\.first)

    /// Options each subcommand must offer: its own, and those of the groups it shares
    /// (`--model`/`--revision`, `--threads`, `--json`).
    static let options: [String: [String]] = [
        "oneshot": ["--model", "--revision", "--recipe", "--output", "--overwrite", "--threads", "--json", "--quiet"],
        "inspect": ["--revision", "--tensors", "--json"],
        "verify": ["--against", "--revision", "--threads", "--summary", "--json"],
        "bench": ["--model", "--revision", "--threads", "--scratch", "--json"],
        "eval": ["--model", "--revision", "--text", "--threads", "--json"],
        "generate": ["--model", "--revision", "--prompt", "--threads", "--json"],
    ]

    static func script(_ shell: String) throws -> String {
        let result = try CompressBinary.run(["--generate-completion-script", shell])
        #expect(result.status == 0, "\(result.stderr)")
        return result.stdout
    }

    @Test func bashScriptHasAFunctionPerSubcommandWithItsOptions() throws {
        let script = try Self.script("bash")
        #expect(script.contains("complete -o filenames -F _compress compress"))
        for name in Self.subcommands {
            guard let start = script.range(of: "\n_compress_\(name)() {\n"),
                  let end = script.range(of: "\n}\n", range: start.upperBound..<script.endIndex) else {
                Issue.record("no completion function for \(name)")
                continue
            }
            let words = Set(script[start.upperBound..<end.lowerBound].split(whereSeparator: { " ()'\n".contains($0) }).map(String.init))
            for option in Self.options[name] ?? [] { #expect(words.contains(option), "\(name): \(option)") }
        }
    }

    /// What bash offers for `line` (the word under the cursor last), run in `directory` with the
    /// script of `compress --generate-completion-script bash` loaded.
    static func bashCompletions(_ line: String, in directory: String) throws -> [String] {
        let folder = TemporaryFolder("completion")
        // Run as `bash complete.bash COMPRESS LINE`.
        let driver = try folder.write("complete.bash", text: """
            source <("$1" --generate-completion-script bash)
            COMP_LINE="$2"; COMP_POINT=${#COMP_LINE}
            read -ra COMP_WORDS <<< "$COMP_LINE"
            [[ "$COMP_LINE" == *" " ]] && COMP_WORDS+=("")
            COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
            _compress compress "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
            printf '%s\\n' "${COMPREPLY[@]}"
            """)
        let result = try CompressBinary.run([line], through: ["/usr/bin/env", "bash", driver], in: directory)
        #expect(result.status == 0, "\(result.stderr)")
        return result.stdout.split(separator: "\n").map(String.init)
    }

    @Test func bashCompletesSubcommandsOptionsAndFolders() throws {
        let folder = TemporaryFolder("completion-cwd")
        try FileManager.default.createDirectory(atPath: folder.file("tiny-model"), withIntermediateDirectories: false)
        _ = try folder.write("notes.txt", text: "")
        #expect(Set(try Self.bashCompletions("compress ", in: folder.path)).isSuperset(of: Self.subcommands))
        #expect(try Self.bashCompletions("compress eval --th", in: folder.path) == ["--threads"])
        let oneshot = Set(try Self.bashCompletions("compress oneshot --", in: folder.path))
        #expect(oneshot.isSuperset(of: Self.options["oneshot"]!), "\(oneshot)")
        #expect(try Self.bashCompletions("compress generate --model ", in: folder.path) == ["tiny-model"])
    }

    @Test func zshAndFishScriptsNameEverySubcommand() throws {
        let zsh = try Self.script("zsh")
        let fish = try Self.script("fish")
        for name in Self.subcommands {
            #expect(zsh.contains("'\(name):"), "zsh: \(name)")
            #expect(fish.contains("-fa '\(name)'"), "fish: \(name)")
        }
        #expect(zsh.contains("--threads[Threads to use"))
        #expect(fish.contains("-l 'threads'"))
    }
}
