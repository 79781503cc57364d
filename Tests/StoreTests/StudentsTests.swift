// Pseudonyms and API tokens: the token is returned once and only its hash is stored.
import Foundation
import GRDB
import Testing

@testable import Store

struct StudentsTests {
    @Test func pseudonymsAreStableAndWellFormed() throws {
        // Given two independent stores with the same roster
        let one = try makeStore()
        let two = try makeStore()
        // Then every student has the same pseudonym in both, of the form adjective-animal-NN
        let pattern = /^[a-z]+-[a-z]+-[0-9]{2}$/
        for student in try one.students() {
            let other = try #require(try two.student(id: student.id))
            #expect(student.pseudonym == other.pseudonym)
            #expect(student.pseudonym.wholeMatch(of: pattern) != nil, "\(student.pseudonym)")
            #expect(!student.pseudonym.contains(student.id))
        }
        #expect(Set(try one.students().map(\.pseudonym)).count == 6)
    }

    @Test func pseudonymCollisionTakesTheNextAlternative() throws {
        // Given a student already holding the pseudonym that "x" would get
        let store = try LabStore.inMemory()
        try store.writer.write { db in
            try StudentRecord(
                id: "squatter", name: "S", email: nil, pseudonym: Pseudonym.make(id: "x"),
                createdAt: t0
            ).insert(db)
        }
        // When "x" is added
        let x = try store.addStudent(id: "x", name: "X", now: t0)
        // Then "x" gets its first alternative
        #expect(x.pseudonym == Pseudonym.make(id: "x", attempt: 1))
        #expect(x.pseudonym != Pseudonym.make(id: "x"))
    }

    @Test func tokenIsStoredOnlyAsItsHash() throws {
        // Given a store with a roster
        let store = try makeStore()
        // When a token is issued to Alice
        let token = try store.issueToken(studentID: "alice")
        // Then it is 64 hex digits, finds Alice, and appears nowhere in the database
        #expect(token.wholeMatch(of: /[0-9a-f]{64}/) != nil)
        #expect(try store.student(forToken: token)?.id == "alice")
        let dump = try store.reader.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM students").map { $0.description }
        }
        #expect(!dump.joined().contains(token))
        #expect(try store.student(id: "alice")?.tokenHash == SHA256.hexDigest(token))
        // And a wrong token finds nobody
        #expect(try store.student(forToken: String(repeating: "0", count: 64)) == nil)
        #expect(try store.student(forToken: "") == nil)
    }

    @Test func reissuingRevokesTheOldToken() throws {
        let store = try makeStore()
        let old = try store.issueToken(studentID: "bob")
        let new = try store.issueToken(studentID: "bob")
        #expect(old != new)
        #expect(try store.student(forToken: old) == nil)
        #expect(try store.student(forToken: new)?.id == "bob")
        #expect(throws: StoreError.unknownStudent("nobody")) {
            try store.issueToken(studentID: "nobody")
        }
    }
}
