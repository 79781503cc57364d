// What a user gets wrong on the command line gets a clear message: unknown lab or student, a
// missing file, a malformed notebook, a file of the wrong kind, a server that is not there.
import Foundation
import Store
import TestSupport
import Testing

@testable import Service

@Suite struct SubmissionErrorTests {
    static func store() throws -> LabStore {
        let store = try LabStore.inMemory()
        try store.importRoster(csv: "id,name,email\na,Ann,a@x\n")
        try store.syncLab(LabRecord(id: "L", version: "1", title: "Lab L"))
        return store
    }

    static func file(_ name: String, _ text: String) throws -> URL {
        let url = try makeScratchDirectory().appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url
    }

    @Test func unknownLabListsTheKnownOnes() throws {
        let client = LocalClient(store: try Self.store())
        let error = #expect(throws: ServiceError.self) {
            try client.submitNow(
                path: try Self.file("a.py", "x = 1\n"), lab: "nope", student: "a", source: .cli)
        }
        #expect(error?.description.contains("unknown lab 'nope' (known labs: L)") == true)
    }

    @Test func unknownStudent() throws {
        let client = LocalClient(store: try Self.store())
        #expect(throws: ServiceError.unknownStudent("zed")) {
            try client.submitNow(
                path: try Self.file("a.py", "x = 1\n"), lab: "L", student: "zed", source: .cli)
        }
    }

    @Test func missingFile() throws {
        let client = LocalClient(store: try Self.store())
        #expect(throws: ServiceError.missingFile("/nonexistent/attention.py")) {
            try client.submitNow(
                path: URL(fileURLWithPath: "/nonexistent/attention.py"), lab: "L", student: "a",
                source: .cli)
        }
    }

    @Test func malformedNotebookIsRefusedBeforeTheQueue() throws {
        let store = try Self.store()
        let client = LocalClient(store: store)
        let error = #expect(throws: ServiceError.self) {
            try client.submitNow(
                path: try Self.file("lab.ipynb", "{\"cells\": [oops"), lab: "L", student: "a",
                source: .cli)
        }
        #expect(error?.description.contains("lab.ipynb is not a readable notebook") == true)
        #expect(try store.queueCounts()[.queued] == 0, "nothing was queued")
    }

    @Test func wrongKindOfFile() throws {
        let client = LocalClient(store: try Self.store())
        let error = #expect(throws: ServiceError.self) {
            try client.submitNow(
                path: try Self.file("notes.txt", "hello"), lab: "L", student: "a", source: .cli)
        }
        #expect(error?.description.contains("neither a Python file (.py)") == true)
    }

    @Test func goodSubmissionIsQueued() throws {
        let store = try Self.store()
        let receipt = try LocalClient(store: store).submitNow(
            path: try Self.file("attention.py", "x = 1\n"), lab: "L", student: "a", source: .cli)
        #expect(receipt.status == "queued")
        #expect(receipt.size == 6)
        #expect(try store.queueCounts()[.queued] == 1)
    }

    @Test func unreachableServer() async throws {
        // Port 9 (discard) on loopback: nothing listens there on this machine.
        let client = try RemoteClient(server: "http://127.0.0.1:9", token: "t", timeout: 5)
        await #expect {
            _ = try await client.leaderboard(lab: "L", names: false)
        } throws: { error in
            guard case ServiceError.unreachable(let server, _) = error else { return false }
            return server == "http://127.0.0.1:9"
                && "\(error)".contains("is `lmlab serve` running there?")
        }
    }

    @Test func badServerURLAndMissingToken() {
        #expect(throws: ServiceError.self) { try RemoteClient(server: "localhost:8080", token: "t") }
        #expect(throws: ServiceError.self) { try RemoteClient(server: "http://h:1", token: "") }
    }
}
