// The `lmlab model` commands: help text (a golden string), argument validation, and the
// helpers behind generate and eval, checked against hand-worked values.
import ArgumentParser
import Foundation
import Testing
import Tokenizer
@testable import lmlab

@Test func modelInitHelpIsStable() {
    let help = LMLab.helpMessage(for: ModelCommand.Init.self, columns: 100)
    let expected = """
        OVERVIEW: Write a randomly initialised GPT-2 folder.

        Weights are N(0, 0.02), residual projections scaled by 1/sqrt(2·layers), as in
        GPT-2. With --tokenizer, its vocab.json and merges.txt are copied in and
        --vocab defaults to its size.

        USAGE: lmlab model init [--layers <layers>] [--heads <heads>] [--embd <embd>] [--vocab <vocab>] [--ctx <ctx>] [--seed <seed>] [--tokenizer <tokenizer>] --out <out>

        OPTIONS:
          --layers <layers>       The number of transformer blocks. (default: 2)
          --heads <heads>         The number of attention heads; must divide --embd. (default: 2)
          --embd <embd>           The embedding width C. (default: 64)
          --vocab <vocab>         The vocabulary size; default: the tokenizer's size, else 50257.
          --ctx <ctx>             The context length (n_positions). (default: 128)
          --seed <seed>           The seed of the random initialisation. (default: 0)
          --tokenizer <tokenizer> A tokenizer folder to copy into the model folder.
          --out <out>             The folder to create; it must not exist yet.
          -h, --help              Show help information.

        """
    #expect(help == expected, "got:\n\(help)")
}

@Test func modelInitRejectsHeadsThatDoNotDivideTheWidth() {
    #expect(throws: (any Error).self) {
        _ = try LMLab.parseAsRoot(["model", "init", "--embd", "66", "--heads", "4", "--out", "x"])
    }
    let message = LMLab.message(for: ValidationError(
        "--embd 66 is not divisible by --heads 4; each head gets embd/heads channels."))
    do {
        _ = try LMLab.parseAsRoot(["model", "init", "--embd", "66", "--heads", "4", "--out", "x"])
    } catch {
        #expect(LMLab.message(for: error) == message)
    }
}

@Test func tokenIDsParseFromSpacesAndCommas() throws {
    #expect(try parseIDs("1 2,3\n 40") == [1, 2, 3, 40])
    #expect(throws: ModelCommandError.self) { try parseIDs("1 two 3") }
    #expect(throws: ModelCommandError.self) { try parseIDs("-4") }
}

@Test func streamedTextHoldsBackIncompleteCharacters() throws {
    // A byte-level vocabulary with no merges: token id = the byte's position in the table.
    var vocab: [String: Int] = [:]
    for (i, scalar) in ByteUnicode.symbols.enumerated() { vocab[String(scalar)] = i }
    let bpe = try BPETokenizer(vocab: vocab, merges: [])
    func id(_ byte: UInt8) -> Int { vocab[String(ByteUnicode.symbols[Int(byte)])] ?? -1 }
    var stream = TokenTextStream(tokenizer: bpe)
    // "é" is C3 A9 in UTF-8: nothing may be printed after the first byte alone.
    #expect(stream.append(id(0x41)) == "A")
    #expect(stream.append(id(0xC3)) == "")
    #expect(stream.append(id(0xA9)) == "é")
    // 🤖 is F0 9F A4 96.
    #expect(stream.append(id(0xF0)) == "")
    #expect(stream.append(id(0x9F)) == "")
    #expect(stream.append(id(0xA4)) == "")
    #expect(stream.append(id(0x96)) == "🤖")
    #expect(stream.flush() == "")
}
