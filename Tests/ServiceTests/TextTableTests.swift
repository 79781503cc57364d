// TextTable against hand-written expected text.
import Testing

@testable import Service

@Suite struct TextTableTests {
    @Test func terminalColumnsAreAlignedAndNumbersRightAligned() {
        var table = TextTable(["name", "score"], alignments: [.left, .right])
        table.append(["ada", "10"])
        table.append(["grace-hopper", "7.5"])
        let expected = """
            name          score
            ────────────  ─────
            ada              10
            grace-hopper    7.5

            """
        #expect(table.render(.terminal(colour: false)) == expected)
    }

    @Test func markdownEscapesPipes() {
        var table = TextTable(["a", "b"], alignments: [.left, .right])
        table.append(["x|y", "1"])
        #expect(table.render(.markdown) == "| a | b |\n|---|---:|\n| x\\|y | 1 |\n")
    }
}
