// Uploads that are not what they say: bundles with a file and a folder of the same name, names
// of 300 characters, very deep paths, control characters, too many files; a .py that is not
// UTF-8, an .ipynb that is not a notebook, a file name with a newline. Each is a 400 with the
// reason and no server path, nothing is stored, and refusals count against the rate limit.
import Foundation
import Hummingbird
import HummingbirdTesting
import Store
import Testing

@testable import Server

@Suite struct UploadSafetyTests {
    /// A bundle of `paths`, each holding "x = 1\n" (base64 eCA9IDEK).
    static func bundle(_ paths: [String]) -> String {
        let files = paths.map { path in
            let quoted = String(data: try! JSONEncoder().encode(path), encoding: .utf8)!
            return #"{"base64":"eCA9IDEK","path":\#(quoted)}"#
        }
        return #"{"files":[\#(files.joined(separator: ","))],"folder":"f","#
            + #""format":"lmlab-folder-1"}"#
    }

    @Test func badBundlesAreRefusedWithACleanMessage() async throws {
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        let deep = (0..<40).map { "d\($0)" }.joined(separator: "/") + "/a.py"
        let cases: [(String, String)] = [
            (Self.bundle(["a.py", "helpers", "helpers/util.py"]), "both a file and a folder"),
            (Self.bundle(["a.py", String(repeating: "n", count: 300) + ".py"]), "of 303 bytes"),
            (Self.bundle(["a.py", deep]), "nested 40 folders deep"),
            (Self.bundle(["a.py", "evil\nname.py"]), "control character"),
            (Self.bundle(["a.py", "a.py"]), "appears twice"),
            (Self.bundle((0...SubmissionBundle.maxFiles).map { "f\($0).py" }), "more than 500"),
        ]
        var roomy = testConfiguration()
        roomy.maxSubmissionBytes = 1 << 20
        try await routerOnly(fixture, roomy).test(.router) { client in
            for (body, reason) in cases {
                try await client.execute(
                    uri: "/api/submissions?lab=attention&filename=f.lmlab-folder.json",
                    method: .post, headers: bearer(fixture.aliceToken),
                    body: ByteBuffer(string: body)
                ) { response in
                    let message = errorMessage(response)
                    #expect(response.status == .badRequest, "\(reason): \(message)")
                    #expect(message.contains(reason), "\(message)")
                    #expect(!message.contains("/tmp") && !message.contains(fixture.directory.path))
                }
            }
        }
        #expect(try fixture.store.queueCounts().values.reduce(0, +) == 0)
    }

    @Test func filesThatAreNotWhatTheirNameSaysAreRefusedAtUpload() async throws {
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        try await routerOnly(fixture).test(.router) { client in
            func post(_ filename: String, _ body: ByteBuffer) async throws -> (
                HTTPResponse.Status, String
            ) {
                let name = filename.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
                return try await client.execute(
                    uri: "/api/submissions?lab=attention&filename=\(name)", method: .post,
                    headers: bearer(fixture.aliceToken), body: body
                ) { ($0.status, errorMessage($0)) }
            }
            // Latin-1 bytes (é as 0xE9) are not UTF-8
            let latin1 = try await post(
                "attention.py", ByteBuffer(bytes: Array("x = '".utf8) + [0xE9, 0x27, 0x0A]))
            #expect(latin1.0 == .badRequest)
            #expect(latin1.1.contains("not UTF-8 text"), "\(latin1.1)")
            let notJSON = try await post("attention.ipynb", ByteBuffer(string: "print(1)\n"))
            #expect(notJSON.0 == .badRequest)
            #expect(notJSON.1.contains("not a readable notebook"), "\(notJSON.1)")
            let noCells = try await post("attention.ipynb", ByteBuffer(string: "{}"))
            #expect(noCells.0 == .badRequest)
            let newline = try await post("a\nb.py", ByteBuffer(string: "x = 1\n"))
            #expect(newline.0 == .badRequest)
            #expect(newline.1.contains("control"), "\(newline.1)")
            // A 300-character name is refused before the body is read, without a server path
            let long = try await post(String(repeating: "n", count: 300) + ".py", ByteBuffer(string: "x"))
            #expect(long.0 == .badRequest)
            #expect(!long.1.contains("/tmp"))
            // A good notebook and a UTF-8 file with é are taken
            let good = try await post(
                "attention.ipynb",
                ByteBuffer(string: #"{"cells": [{"cell_type": "code", "source": "x = 'é'"}]}"#))
            #expect(good.0 == .accepted, "\(good.1)")
            #expect(try await post("attention.py", ByteBuffer(string: "x = 'é'\n")).0 == .accepted)
        }
        #expect(try fixture.store.queueCounts()[.queued] == 2)
    }

    @Test func refusedUploadsCountAgainstTheRateLimit() async throws {
        // Given lab `limited` (2 per hour)
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        try await routerOnly(fixture).test(.router) { client in
            func post(_ body: [UInt8]) async throws -> HTTPResponse.Status {
                try await client.execute(
                    uri: "/api/submissions?lab=limited&filename=limited.py", method: .post,
                    headers: bearer(fixture.aliceToken), body: ByteBuffer(bytes: body)
                ) { $0.status }
            }
            // When alice sends two files that are refused, then a good one
            #expect(try await post([0xFF, 0xFE]) == .badRequest)
            #expect(try await post([0xFF, 0xFE]) == .badRequest)
            // Then the good one finds the hour's two slots used
            #expect(try await post(Array("x = 1\n".utf8)) == .tooManyRequests)
            // Bob's slots are his own
            try await client.execute(
                uri: "/api/submissions?lab=limited&filename=limited.py", method: .post,
                headers: bearer(fixture.bobToken), body: ByteBuffer(string: "x = 1\n")
            ) { #expect($0.status == .accepted) }
        }
    }
}
