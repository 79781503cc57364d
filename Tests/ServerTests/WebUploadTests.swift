// The upload page: a .py, a notebook or a zipped folder handed in from a browser's form goes
// through the same admission as the API (deadlines, rate limit, size, kind), then the page
// follows its grading. Refusals are pages that say what to do, with the right status, and store
// nothing. Zips are made by Python's zipfile, independently of the reader under test.
import Foundation
import Hummingbird
import HummingbirdTesting
import Store
import TestSupport
import Testing

@testable import Server

@Suite struct WebUploadTests {
    static let boundary = "lmlabTestBoundary7MA4YWxkTrZu0gW"

    /// A multipart/form-data body with the CSRF field and one file part.
    static func multipart(csrf: String?, filename: String?, content: Data) -> ByteBuffer {
        var body = Data()
        func add(_ s: String) { body.append(Data(s.utf8)) }
        if let csrf {
            add("--\(boundary)\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n\(csrf)\r\n")
        }
        if let filename {
            add("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; "
                + "filename=\"\(filename)\"\r\nContent-Type: application/octet-stream\r\n\r\n")
            body.append(content)
            add("\r\n")
        }
        add("--\(boundary)--\r\n")
        return ByteBuffer(bytes: body)
    }

    /// The session's CSRF token, read from the upload form as a browser would.
    static func csrf(_ client: some TestClientProtocol, lab: String, session: String)
        async throws -> String?
    {
        WebPagesTests.csrf(
            in: WebPagesTests.html(
                try await WebPagesTests.get(client, "/labs/\(lab)/submit", session: session)))
    }

    static func upload(
        _ client: some TestClientProtocol, lab: String, session: String, csrf: String?,
        filename: String?, content: Data
    ) async throws -> TestResponse {
        let headers: HTTPFields = [
            .cookie: "lmlab_session=\(session)",
            .contentType: "multipart/form-data; boundary=\(boundary)",
        ]
        return try await client.execute(
            uri: "/labs/\(lab)/submit", method: .post, headers: headers,
            body: multipart(csrf: csrf, filename: filename, content: content)) { $0 }
    }

    /// A zip made by Python's zipfile from `entries` (path → text); `links` become symbolic
    /// links (path → target).
    static func zip(_ entries: [String: String], links: [String: String] = [:]) throws -> Data {
        let folder = try makeScratchDirectory("lmlab-zip")
        defer { try? FileManager.default.removeItem(at: folder) }
        let spec = try JSONSerialization.data(withJSONObject: ["files": entries, "links": links])
        try spec.write(to: folder.appendingPathComponent("spec.json"))
        let script = """
            import json, sys, zipfile
            spec = json.load(open(sys.argv[1] + "/spec.json"))
            with zipfile.ZipFile(sys.argv[1] + "/out.zip", "w", zipfile.ZIP_DEFLATED) as z:
                for path, text in spec["files"].items():
                    z.writestr(path, text)
                for path, target in spec["links"].items():
                    info = zipfile.ZipInfo(path)
                    info.create_system = 3
                    info.external_attr = (0o120777 << 16)
                    z.writestr(info, target)
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, folder.path]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return try Data(contentsOf: folder.appendingPathComponent("out.zip"))
    }

    func app(_ fixture: Fixture, maxBytes: Int = 1024) -> some ApplicationProtocol {
        var configuration = testConfiguration()
        configuration.maxSubmissionBytes = maxBytes
        return buildApplication(
            configuration, grader: ThreeVisibilitiesGrader(), store: fixture.store,
            logger: quietLogger)
    }

    func submissionCount(_ fixture: Fixture) throws -> Int {
        try fixture.store.reader.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM submissions") ?? 0
        }
    }

    @Test func aPythonFileIsHandedInAndItsPageFollowsTheGrading() async throws {
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        try await app(fixture).test(.router) { client in
            let alice = try #require(try await WebPagesTests.signIn(client, token: fixture.aliceToken))
            let form = WebPagesTests.html(
                try await WebPagesTests.get(client, "/labs/attention/submit", session: alice))
            #expect(form.contains(#"enctype="multipart/form-data""#))
            #expect(form.contains(#"<label for="file">"#))
            let csrf = try #require(WebPagesTests.csrf(in: form))
            let code = Data("def attention(q, k, v):\n    return v\n".utf8)
            let response = try await Self.upload(
                client, lab: "attention", session: alice, csrf: csrf, filename: "attention.py",
                content: code)
            #expect(response.status == .seeOther)
            let location = try #require(response.headers[.location])
            let id = try #require(Int64(location.split(separator: "/").last ?? ""))
            #expect(location == "/submissions/\(id)")
            let record = try #require(try fixture.store.submission(id: id))
            #expect(record.studentID == "alice" && record.labID == "attention")
            #expect(record.filename == "attention.py")
            #expect(try fixture.store.blobs.read(sha256: record.sha256) == code)

            #expect(try await eventually { try fixture.store.submission(id: id)?.status == .graded })
            let status = try await WebPagesTests.get(client, "/submissions/\(id)/status", session: alice)
            #expect(status.status == .ok)
            #expect(String(buffer: status.body) == #"{"status":"graded","finished":true}"#)
            // Someone else's submission has no status either.
            let bob = try #require(try await WebPagesTests.signIn(client, token: fixture.bobToken))
            let other = try await WebPagesTests.get(client, "/submissions/\(id)/status", session: bob)
            #expect(other.status == .notFound)
            // The page loads the script that follows a pending grade, from lmlab itself.
            let script = try await WebPagesTests.get(client, "/static/lmlab.js", session: nil)
            #expect(script.status == .ok && String(buffer: script.body).contains("data-poll"))
        }
    }

    @Test func refusedUploadsSayWhatToDoAndStoreNothing() async throws {
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        try await app(fixture).test(.router) { client in
            let alice = try #require(try await WebPagesTests.signIn(client, token: fixture.aliceToken))
            let csrf = try #require(try await Self.csrf(client, lab: "attention", session: alice))
            let code = Data("x = 1\n".utf8)

            // No CSRF token: refused before anything is read into the store.
            let forged = try await Self.upload(
                client, lab: "attention", session: alice, csrf: nil, filename: "a.py", content: code)
            #expect(forged.status == .forbidden)

            // Too large (the test daemon takes 1 KiB).
            let big = try await Self.upload(
                client, lab: "attention", session: alice, csrf: csrf, filename: "a.py",
                content: Data(repeating: 0x41, count: 40_000))
            #expect(big.status == .contentTooLarge)
            #expect(WebPagesTests.html(big).contains("larger than"))

            // A wrong kind of file names the kinds it takes.
            let exe = try await Self.upload(
                client, lab: "attention", session: alice, csrf: csrf, filename: "model.bin",
                content: code)
            #expect(exe.status == .badRequest)
            #expect(WebPagesTests.html(exe).contains(".ipynb or .py"))

            // A .py that is not text.
            let binary = try await Self.upload(
                client, lab: "attention", session: alice, csrf: csrf, filename: "a.py",
                content: Data([0xff, 0xfe, 0x00, 0x9f]))
            #expect(binary.status == .badRequest && WebPagesTests.html(binary).contains("UTF-8"))

            // No file chosen.
            let none = try await Self.upload(
                client, lab: "attention", session: alice, csrf: csrf, filename: nil, content: code)
            #expect(none.status == .badRequest && WebPagesTests.html(none).contains("Choose a file"))

            // A lab past its late due date, and one that does not exist.
            let closedCSRF = try #require(try await Self.csrf(client, lab: "closed", session: alice))
            let closed = try await Self.upload(
                client, lab: "closed", session: alice, csrf: closedCSRF, filename: "a.py",
                content: code)
            #expect(closed.status == .forbidden)
            #expect(WebPagesTests.html(closed).contains("late due date"))
            let unknown = try await WebPagesTests.get(client, "/labs/nope/submit", session: alice)
            #expect(unknown.status == .notFound && WebPagesTests.html(unknown).contains("No such lab"))

            // An expired or made-up session goes to the sign-in page.
            let stale = try await Self.upload(
                client, lab: "attention", session: "0123456789abcdef", csrf: csrf,
                filename: "a.py", content: code)
            #expect(stale.status == .seeOther && stale.headers[.location] == "/sign-in?expired=1")
            let told = WebPagesTests.html(
                try await WebPagesTests.get(client, "/sign-in?expired=1", session: nil))
            #expect(told.contains("Your session has ended"))

            #expect(try submissionCount(fixture) == 0)
        }
    }

    @Test func aZippedFolderBecomesAFolderSubmission() async throws {
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        try await app(fixture, maxBytes: 1 << 20).test(.router) { client in
            let alice = try #require(try await WebPagesTests.signIn(client, token: fixture.aliceToken))
            let csrf = try #require(try await Self.csrf(client, lab: "attention", session: alice))
            let zip = try Self.zip([
                "gpt/model.py": "from gpt.layers import block\n",
                "gpt/layers.py": "def block(x):\n    return x\n",
                "gpt/__pycache__/layers.cpython-311.pyc": "junk",
                "__MACOSX/gpt/._model.py": "junk",
            ])
            let response = try await Self.upload(
                client, lab: "attention", session: alice, csrf: csrf, filename: "gpt.zip",
                content: zip)
            #expect(response.status == .seeOther)
            let id = try #require(
                Int64(response.headers[.location]?.split(separator: "/").last ?? ""))
            let record = try #require(try fixture.store.submission(id: id))
            #expect(record.filename == "gpt.lmlab-folder.json")
            let bundle = try SubmissionBundle.decode(
                try fixture.store.blobs.read(sha256: record.sha256), filename: record.filename)
            #expect(bundle.folder == "gpt")
            #expect(Set(bundle.files.map(\.path)) == ["model.py", "layers.py"])
            let layers = try #require(bundle.files.first { $0.path == "layers.py" })
            #expect(Data(base64Encoded: layers.base64) == Data("def block(x):\n    return x\n".utf8))
        }
    }

    @Test func zipsWithEscapingPathsOrLinksAreRefused() async throws {
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        try await app(fixture, maxBytes: 1 << 20).test(.router) { client in
            let alice = try #require(try await WebPagesTests.signIn(client, token: fixture.aliceToken))
            let csrf = try #require(try await Self.csrf(client, lab: "attention", session: alice))
            let escaping = try Self.zip(["gpt/model.py": "x = 1\n", "../../etc/evil.py": "x = 2\n"])
            let absolute = try Self.zip(["/tmp/evil.py": "x = 2\n"])
            let linked = try Self.zip(
                ["gpt/model.py": "x = 1\n"], links: ["gpt/secrets.py": "/etc/passwd"])
            // 6 MiB of zeros deflate to a few KiB: counted as it inflates, refused at 5 MiB.
            let bomb = try Self.zip(["gpt/big.py": String(repeating: "0", count: 6 << 20)])
            for (zip, says) in [
                (escaping, "leaves the folder"), (absolute, "leaves the folder"),
                (linked, "symbolic link"), (bomb, "more than 5 MiB"),
                (Data("not a zip at all".utf8), "not a zip file"),
            ] {
                let response = try await Self.upload(
                    client, lab: "attention", session: alice, csrf: csrf, filename: "gpt.zip",
                    content: zip)
                #expect(response.status == .badRequest)
                #expect(WebPagesTests.html(response).contains(says), "expected: \(says)")
            }
            #expect(try submissionCount(fixture) == 0)
        }
    }
}
