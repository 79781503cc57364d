// The TOML syntax check in front of toml++: the inputs the lab.toml fuzz run found aborting
// toml++ (minimised) are refused as LabError.notTOML at their line and column, and the check
// agrees with Python's tomllib (Tests/Oracle/toml_parses.py) on valid TOML of every form.
import Foundation
import TestSupport
import Testing

@testable import LabConfig

@Suite struct TOMLSyntaxCheckTests {
    /// The lab.toml problem `text` gives, or nil if it loads or fails otherwise.
    func notTOML(_ text: String) -> (line: Int, column: Int, reason: String)? {
        let folder = repositoryRoot.appendingPathComponent("labs/01-attention")
        do {
            _ = try Lab.parse(toml: text, folder: folder)
        } catch LabError.notTOML(_, let line, let column, let reason) {
            return (line, column, reason)
        } catch {}
        return nil
    }

    /// Each of these aborted the test process inside toml++ (an assertion) before the check.
    static let aborting: [(text: String, line: Int, column: Int, reason: String)] = [
        ("id = 1\n[=]\n", 2, 2, "a table header needs a name after its '['"),
        ("[[#\n", 1, 3, "a table header needs a name after its '['"),
        ("[.a]\n", 1, 2, "a table header needs a name after its '['"),
        ("[\n", 1, 2, "found the end of the line"),
        ("r = [2, }\n", 1, 9, "expected a value, found '}'"),
        ("r = [\n  }\n", 2, 3, "expected a value, found '}'"),
        ("e = 0026-12-14T:\n", 1, 5, "'0026-12-14T:' is not a TOML value"),
        ("e = 2025-11-14 2 \n", 1, 5, "'2025-11-14 2' is not a TOML value"),
    ]

    @Test func inputsThatAbortedTomlPlusPlusAreRefusedAtTheirPlace() throws {
        for input in Self.aborting {
            let found = try #require(notTOML(input.text), "\(input.text.debugDescription)")
            #expect(
                found.line == input.line && found.column == input.column
                    && found.reason.contains(input.reason),
                "\(input.text.debugDescription): \(found)")
        }
        // And tomllib refuses them too: they are not TOML, so nothing valid is lost.
        let verdicts = try tomllibParses(Self.aborting.map(\.text))
        #expect(verdicts == Array(repeating: false, count: Self.aborting.count))
    }

    @Test func aNulByteWouldCutTheFileShort() throws {
        // TOMLKit passes a C string: without the check this loaded as `title = "Att`.
        let found = try #require(notTOML("title = \"Att\0ention\"\n"))
        #expect(found.line == 1 && found.column == 13 && found.reason.contains("a NUL byte"))
    }

    @Test func sizeAndNestingAreBounded() throws {
        let deep = "x = " + String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        let found = try #require(notTOML(deep + "\n"))
        #expect(found.reason.contains("nest more than 64 deep"), "\(found)")
        let fine = "x = " + String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(TOMLSyntaxCheck.problem(in: fine) == nil)
        let huge = "# " + String(repeating: "x", count: 1 << 20) + "\n"
        let big = try #require(notTOML(huge))
        #expect(big.line == 1 && big.reason.contains("more than the 1048576"), "\(big)")
    }

    /// Valid TOML 1.0 of every form the check looks at: it must pass all of it.
    static let valid = [
        "a = 1\nb = +1_000\nc = -0\nd = 0xDEAD_beef\ne = 0o755\nf = 0b1010\n",
        "a = 1.5e-3\nb = -2E+10\nc = 3.14_15\nd = inf\ne = -nan\nf = true\ng = false\n",
        "a = 1979-05-27T07:32:00Z\nb = 1979-05-27 07:32:00.999999-07:00\nc = 1979-05-27t07:32:00\n",
        "a = 1979-05-27\nb = 07:32:00.5\nc = 2024-01-01 # a date, then a comment\n",
        "a = \"x # not a comment [=] \\\" \\\\\"\nb = 'C:\\path [=]'\n",
        "a = \"\"\"\nline \"one\" \"\"two\"\"\n[=]\n\"\"\"\"\"\nb = '''\n[[#\n'''\n",
        "a = [1, 2, ]\nb = [\n  [1, 2], # comment\n  [\"x\", { c = 1 }],\n]\n",
        "a = { b = { c = [1, {d = 2}] }, \"e f\" = 'g' }\n\"quoted key\" = 1\n",
        "a . b . \"c\" = 1\n[ table . \"name\" ]\n[[ arr ]]\n[[arr]]  # comment\n# only a comment\n",
        "a = 1\r\nb = [\r\n  2,\r\n]\r\n[t]\r\n",
        "a = \"\"\nb = ''\nc = \"\"\"\"\"\"\nd = []\ne = {}\nkey_with-dash_123 = 0\n",
        "x = [2024-01-01 10:00:00, 1]\n[tests.inputs]\nx = { tensor = [2, 3], scale = 0.5 }\n",
        "",
    ]

    @Test func everyFormOfValidTOMLPasses() throws {
        #expect(try tomllibParses(Self.valid) == Array(repeating: true, count: Self.valid.count))
        for text in Self.valid {
            #expect(TOMLSyntaxCheck.problem(in: text) == nil, "\(text.debugDescription)")
        }
        // And every lab and the sample class's manifest
        let files = try FileManager.default.contentsOfDirectory(
            at: repositoryRoot.appendingPathComponent("labs"), includingPropertiesForKeys: nil
        ).map { $0.appendingPathComponent("lab.toml") }
            .filter { FileManager.default.fileExists(atPath: $0.path) }
            + [repositoryRoot.appendingPathComponent("submissions/MANIFEST.toml")]
        #expect(files.count > 8)
        for file in files {
            let text = try String(contentsOf: file, encoding: .utf8)
            #expect(TOMLSyntaxCheck.problem(in: text) == nil, "\(file.path)")
        }
    }

    func tomllibParses(_ texts: [String]) throws -> [Bool] {
        let output = try runOracle("toml_parses.py", input: try JSONEncoder().encode(texts))
        return try JSONDecoder().decode([Bool].self, from: output)
    }
}
