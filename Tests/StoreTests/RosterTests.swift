// Roster CSV parsing and import: quoting, line-numbered errors, all-or-nothing.
import Foundation
import Testing

@testable import Store

struct RosterTests {
    @Test func parsesQuotedFieldsAndExtraColumns() throws {
        // Given a spreadsheet export: BOM, CRLF, columns reordered, an extra column, quotes
        let csv =
            "\u{FEFF}Email,ID,Name,group\r\n"
            + "alice@uni.example,alice,\"Martin, Alice\",A\r\n"
            + "\r\n"
            + ",bob,\"Bob \"\"Bobby\"\" Chen\",B\r\n"
            + "carol@uni.example,carol,\"Carol\nDiaz\",A\r\n"
            + "dave@uni.example,dave,Dave,B"
        // When it is parsed
        let entries = try Roster.parse(csv)
        // Then every field is unquoted, lines count from the header, empty email is nil
        #expect(
            entries == [
                RosterEntry(
                    line: 2, id: "alice", name: "Martin, Alice", email: "alice@uni.example"),
                RosterEntry(line: 4, id: "bob", name: "Bob \"Bobby\" Chen", email: nil),
                RosterEntry(line: 5, id: "carol", name: "Carol\nDiaz", email: "carol@uni.example"),
                RosterEntry(line: 7, id: "dave", name: "Dave", email: "dave@uni.example"),
            ])
    }

    @Test(arguments: [
        ("id,name\nalice,Alice\n", 1, "no 'email' column"),
        ("id,name,email\nalice,Alice,a@x\nbob,Bob\n", 3, "2 fields, but the header has 3"),
        ("id,name,email\nalice,Alice,a@x\n,Nobody,n@x\n", 3, "the id must be non-empty"),
        // Ids name folders (the Gradescope export's <student>/results.json): none may climb out.
        ("id,name,email\nalice,Alice,a@x\n../../etc,Eve,e@x\n", 3, "without '/'"),
        ("id,name,email\n.hidden,Eve,e@x\n", 2, "a leading '.'"),
        ("id,name,email\nx\\y,Eve,e@x\n", 2, "without '/'"),
        ("id,name,email\nalice,Alice,a@x\nalice,Alice2,b@x\n", 3, "already appears on line 2"),
        ("id,name,email\nalice,Alice,a@x\nbob,\"Bob,b@x\n", 3, "never closed"),
        ("id,name,email\nalice,\"Al\"ice,a@x\n", 2, "stray quote"),
        ("id,name,email\nalice,Alice,not-an-email\n", 2, "not an email address"),
        ("", 1, "empty"),
    ])
    func badRostersNameTheLine(csv: String, line: Int, fragment: String) {
        do {
            _ = try Roster.parse(csv)
            Issue.record("expected an error on line \(line)")
        } catch let StoreError.roster(errorLine, reason) {
            #expect(errorLine == line, "\(reason)")
            #expect(reason.contains(fragment), "\(reason)")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func importIsAllOrNothing() throws {
        // Given an empty store and a roster whose fourth line is broken
        let store = try LabStore.inMemory()
        let csv = "id,name,email\nalice,Alice,a@x\nbob,Bob,b@x\ncarol,Carol\n"
        // When it is imported, then the error names line 4 and nobody was added
        #expect(throws: StoreError.roster(line: 4, reason: "2 fields, but the header has 3")) {
            try store.importRoster(csv: csv, now: t0)
        }
        #expect(try store.students().isEmpty)
    }

    @Test func reimportUpdatesAndKeepsPseudonyms() throws {
        // Given the fixture roster imported once
        let store = try LabStore.inMemory()
        let first = try store.importRoster(csv: rosterCSV, now: t0)
        let before = try #require(try store.student(id: "bob"))
        // When a roster with a renamed Bob and a new student is imported
        let second = try store.importRoster(
            csv: "id,name,email\nbob,Robert Chen,rob@uni.example\nfrank,Frank Gale,\n",
            now: at(50))
        // Then one is added, one updated; Bob keeps his pseudonym and creation time
        #expect(first == RosterImport(added: 5, updated: 0))
        #expect(second == RosterImport(added: 1, updated: 1))
        let after = try #require(try store.student(id: "bob"))
        #expect(after.name == "Robert Chen")
        #expect(after.email == "rob@uni.example")
        #expect(after.pseudonym == before.pseudonym)
        #expect(after.createdAt == t0)
        #expect(
            try store.students().map(\.id) == ["alice", "bob", "carol", "dave", "erin", "frank"])
    }
}
