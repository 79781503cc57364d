// A folder handed in over HTTP (a LoRA adapter: adapter_config.json + adapter_model.safetensors)
// travels as the packed bundle `<name>.lmlab-folder.json`: a well-formed one is stored as it
// came; a malformed one is refused with 400 before anything is stored.
import Foundation
import Hummingbird
import HummingbirdTesting
import Store
import Testing

@testable import Server

@Suite struct FolderSubmissionAPITests {
    /// Written by hand: base64 of `{"r": 4}\n` and of an 8-byte header length (8) + `{}` + six
    /// spaces (from `python3 -c "import base64; print(base64.b64encode(…))"`).
    static let adapterBundle =
        #"{"files":[{"base64":"eyJyIjogNH0K","path":"adapter_config.json"},"#
        + #"{"base64":"CAAAAAAAAAB7fSAgICAgIA==","path":"adapter_model.safetensors"}],"#
        + #""folder":"lora","format":"lmlab-folder-1"}"#

    @Test func bundleIsStoredAsItCame() async throws {
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        try await routerOnly(fixture).test(.router) { client in
            let receipt = try await client.execute(
                uri: "/api/submissions?lab=attention&filename=lora.lmlab-folder.json",
                method: .post, headers: bearer(fixture.aliceToken),
                body: ByteBuffer(string: Self.adapterBundle)
            ) { response in
                #expect(response.status == .accepted, "\(errorMessage(response))")
                return try decode(SubmissionReceipt.self, response)
            }
            #expect(receipt.filename == "lora.lmlab-folder.json")
            #expect(receipt.size == Self.adapterBundle.utf8.count)
            let stored = try #require(try fixture.store.submission(id: receipt.id))
            #expect(stored.filename == "lora.lmlab-folder.json")
            let content = try fixture.store.blobs.read(sha256: stored.sha256)
            #expect(content == Data(Self.adapterBundle.utf8))
        }
    }

    @Test func malformedBundlesAreRefusedAndNothingIsStored() async throws {
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        let malformed: [(String, String)] = [
            ("not JSON", "not a valid folder bundle"),
            (#"{"files":[],"folder":"x","format":"lmlab-folder-9"}"#, "expected 'lmlab-folder-1'"),
            (#"{"files":[],"folder":"x","format":"lmlab-folder-1"}"#, "holds no files"),
            (
                #"{"files":[{"base64":"eCA9IDEK","path":"../escape.py"}],"folder":"x","#
                    + #""format":"lmlab-folder-1"}"#, "unsafe path '../escape.py'"
            ),
            (
                #"{"files":[{"base64":"%%%","path":"a.py"}],"folder":"x","#
                    + #""format":"lmlab-folder-1"}"#, "is not base64"
            ),
        ]
        try await routerOnly(fixture).test(.router) { client in
            for (body, reason) in malformed {
                try await client.execute(
                    uri: "/api/submissions?lab=attention&filename=x.lmlab-folder.json",
                    method: .post, headers: bearer(fixture.aliceToken),
                    body: ByteBuffer(string: body)
                ) { response in
                    #expect(response.status == .badRequest, "\(body)")
                    let message = errorMessage(response)
                    #expect(message.contains("malformed folder submission"), "\(message)")
                    #expect(message.contains(reason), "\(message)")
                }
            }
            // A .json that is not a packed folder's name is not a submission at all
            try await client.execute(
                uri: "/api/submissions?lab=attention&filename=data.json", method: .post,
                headers: bearer(fixture.aliceToken), body: ByteBuffer(string: "{}")
            ) { #expect($0.status == .badRequest) }
        }
        #expect(try fixture.store.queueCounts().values.reduce(0, +) == 0)
    }
}
