// The lecture's pages through the router, on a tiny GPT-2 built here (byte-level tokenizer, 257
// tokens): the pipeline's first step ranks first the argmax of the model's logits computed here,
// the same form gives the same page, the attention heatmap's rows sum to 1 with the future
// masked, the sizes page carries the published and hand-counted figures; bad input is a 400 with
// the form, no model a 503, no session a redirect; a prompt of HTML is escaped everywhere.
import Foundation
import Hummingbird
import HummingbirdTesting
import Store
import Testing
import Tokenizer
import Transformer

@testable import Server

@Suite struct LecturePagesTests {
    /// A byte-level tokenizer (no merges) with <|endoftext|> = 256, and a fresh GPT-2 of 2 layers,
    /// 2 heads, C = 32, 64 positions over it.
    static func tinyLecture() throws -> LectureModel {
        var vocab: [String: Int] = [:]
        for (i, scalar) in ByteUnicode.symbols.enumerated() { vocab[String(scalar)] = i }
        vocab["<|endoftext|>"] = 256
        let bpe = try BPETokenizer(vocab: vocab, merges: [])
        let config = try GPT2Config(vocabSize: 257, nPositions: 64, nEmbd: 32, nLayer: 2, nHead: 2)
        return try LectureModel(
            model: GPT2Model.randomInit(config, seed: 4), tokenizer: bpe, source: "tiny")
    }

    func app(_ fixture: Fixture, lecture: LectureModel?) -> some ApplicationProtocol {
        buildApplication(
            testConfiguration(), grader: ThreeVisibilitiesGrader(), store: fixture.store,
            lecture: lecture, logger: quietLogger)
    }

    static func query(_ fields: [(String, String)]) -> String {
        fields.map { key, value in
            "\(key)=\(value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")"
        }.joined(separator: "&")
    }

    /// The `data-id`s of the candidates listed for step `step` (1-based), in page order.
    static func candidates(_ page: String, step: Int) -> [Int] {
        guard let start = page.range(of: "data-step=\"\(step)\"") else { return [] }
        let table = page[start.upperBound...].prefix { _ in true }
        let end = table.range(of: "</table>")?.lowerBound ?? table.endIndex
        return table[..<end].components(separatedBy: "<tr data-id=\"").dropFirst().compactMap {
            Int($0.prefix { $0.isNumber })
        }
    }

    @Test func piecesShowWhitespaceControlsAndPartialCharactersVisibly() throws {
        let bpe = try Self.tinyLecture().tokenizer  // byte-level: token id = byte value
        #expect(visiblePiece(bpe, 0x41) == "A")
        #expect(visiblePiece(bpe, 0x20) == "␣")
        #expect(visiblePiece(bpe, 0x0A) == "↵")
        #expect(visiblePiece(bpe, 0x1C) == "\\x1c")
        #expect(visiblePiece(bpe, 0xE2) == "\\xe2")  // the first byte of "→" alone
        #expect(visiblePiece(bpe, 256) == "<|endoftext|>")
    }

    @Test func everyLecturePageNeedsASession() async throws {
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        try await app(fixture, lecture: try Self.tinyLecture()).test(.router) { client in
            for uri in ["/lecture", "/lecture/sizes", "/lecture/pipeline?prompt=hi",
                "/lecture/attention?sentence=hi"]
            {
                let response = try await WebPagesTests.get(client, uri, session: nil)
                #expect(response.status == .seeOther, "\(uri)")
                #expect(response.headers[.location] == "/sign-in", "\(uri)")
            }
            let session = try await WebPagesTests.signIn(client, token: fixture.aliceToken)
            let index = try await WebPagesTests.get(client, "/lecture", session: session)
            #expect(index.status == .ok)
            for link in ["/lecture/sizes", "/lecture/pipeline", "/lecture/attention"] {
                #expect(WebPagesTests.html(index).contains("href=\"\(link)\""))
            }
        }
    }

    @Test func thePipelineRanksTheModelsArgmaxFirstAndIsSeeded() async throws {
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        let lecture = try Self.tinyLecture()
        let prompt = "the query"
        let ids = lecture.tokenizer.encode(prompt)
        // The model's next-token logits after the prompt, computed here with the full forward.
        let v = lecture.model.config.vocabSize
        let last = Array(try lecture.model.forward(ids).data.suffix(v))
        let argmax = last.indices.max { last[$0] < last[$1] } ?? -1
        try await app(fixture, lecture: lecture).test(.router) { client in
            let session = try await WebPagesTests.signIn(client, token: fixture.aliceToken)
            let uri = "/lecture/pipeline?" + Self.query([
                ("prompt", prompt), ("max_tokens", "4"), ("temperature", "0.9"), ("top_k", "20"),
                ("top_p", "0.95"), ("seed", "7"), ("explain", "5"),
            ])
            let first = try await WebPagesTests.get(client, uri, session: session)
            #expect(first.status == .ok)
            let page = WebPagesTests.html(first)
            // The pieces: one per byte, each with its id (a space shown as ␣).
            #expect(page.contains("<code class=\"piece\">␣</code> <span class=\"token-id\">\(ids[3])</span>"))
            let top = Self.candidates(page, step: 1)
            #expect(top.count == 5)
            #expect(top.first == argmax, "page ranks \(top), the logits' argmax is \(argmax)")
            #expect(page.contains("data-step=\"4\""))
            #expect(page.components(separatedBy: "<meter").count - 1 == 4 * 5)
            let again = try await WebPagesTests.get(client, uri, session: session)
            #expect(WebPagesTests.html(again) == page)

            // Greedy: the chosen token of step 1 is the argmax.
            let greedy = try await WebPagesTests.get(
                client,
                "/lecture/pipeline?" + Self.query([("prompt", prompt), ("temperature", "0")]),
                session: session)
            let greedyPage = WebPagesTests.html(greedy)
            #expect(greedyPage.contains("<tr data-id=\"\(argmax)\" class=\"chosen\">"))
        }
    }

    @Test func badPipelineInputShowsTheFormAgainWith400() async throws {
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        try await app(fixture, lecture: try Self.tinyLecture()).test(.router) { client in
            let session = try await WebPagesTests.signIn(client, token: fixture.aliceToken)
            let cases: [([(String, String)], String)] = [
                ([("prompt", "hi"), ("temperature", "-1")], "temperature must be a number, 0 or more"),
                ([("prompt", "hi"), ("max_tokens", "33")], "from 1 to 32"),
                ([("prompt", "hi"), ("top_p", "0")], "Top-p must be"),
                ([("prompt", "hi"), ("seed", "x")], "seed must be"),
                ([("prompt", String(repeating: "a", count: 60)), ("max_tokens", "8")],
                    "run past the model&#39;s context of 64 tokens"),
                ([("prompt", "")], "Type a prompt"),
            ]
            for (fields, message) in cases {
                let response = try await WebPagesTests.get(
                    client, "/lecture/pipeline?" + Self.query(fields), session: session)
                let page = WebPagesTests.html(response)
                #expect(response.status == .badRequest, "\(fields)")
                #expect(page.contains(message), "\(fields): \(page)")
                #expect(page.contains("<form method=\"get\" action=\"/lecture/pipeline\""))
                #expect(!page.contains("data-step="))
            }
        }
    }

    @Test func htmlInAPromptOrSentenceIsEscapedEverywhere() async throws {
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        try await app(fixture, lecture: try Self.tinyLecture()).test(.router) { client in
            let session = try await WebPagesTests.signIn(client, token: fixture.aliceToken)
            let hostile = "<script>alert(1)</script>"
            for uri in [
                "/lecture/pipeline?" + Self.query([("prompt", hostile), ("max_tokens", "3")]),
                "/lecture/attention?" + Self.query([("sentence", hostile)]),
                "/lecture/pipeline?" + Self.query([("prompt", hostile), ("temperature", "-1")]),
            ] {
                let response = try await WebPagesTests.get(client, uri, session: session)
                let page = WebPagesTests.html(response)
                #expect(page.contains("&lt;script&gt;"), "\(uri)")
                // The only script element is lmlab's own file.
                let scripts = page.components(separatedBy: "<script").count - 1
                #expect(!page.contains("<script>alert") && scripts == 1, "\(uri)")
                #expect(page.contains(#"<script src="/static/lmlab.js" defer></script>"#))
            }
            // The pieces themselves: "<" is one byte token, shown escaped.
            let pipeline = WebPagesTests.html(try await WebPagesTests.get(
                client, "/lecture/pipeline?" + Self.query([("prompt", hostile)]),
                session: session))
            #expect(pipeline.contains("<code class=\"piece\">&lt;</code>"))
            #expect(pipeline.contains("<span class=\"prompt-text\">&lt;script&gt;alert(1)&lt;/script&gt;</span>"))
        }
    }

    @Test func theAttentionHeatmapsRowsSumToOneWithTheFutureMasked() async throws {
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        let sentence = "keys and values"
        try await app(fixture, lecture: try Self.tinyLecture()).test(.router) { client in
            let session = try await WebPagesTests.signIn(client, token: fixture.aliceToken)
            let response = try await WebPagesTests.get(
                client,
                "/lecture/attention?" + Self.query([
                    ("sentence", sentence), ("layer", "1"), ("head", "1"),
                ]), session: session)
            #expect(response.status == .ok)
            let page = WebPagesTests.html(response)
            #expect(page.contains("<option value=\"1\" selected>layer 1</option>"))
            let t = sentence.utf8.count  // one token per byte
            var sums = [Double](repeating: 0, count: t)
            let cells = page.components(separatedBy: "<rect class=\"cell\" data-row=\"").dropFirst()
            for cell in cells {
                let row = Int(cell.prefix { $0.isNumber }) ?? -1
                guard let title = cell.range(of: "<title>"), let end = cell.range(of: "</title>"),
                    let colon = cell[title.upperBound..<end.lowerBound].range(
                        of: ": ", options: .backwards)
                else { continue }
                sums[row] += Double(cell[colon.upperBound..<end.lowerBound]) ?? .nan
            }
            #expect(cells.count == t * (t + 1) / 2)
            for (i, sum) in sums.enumerated() { #expect(abs(sum - 1) < 1e-4, "row \(i): \(sum)") }
            #expect(page.components(separatedBy: "<rect class=\"masked\"").count - 1 == t * (t - 1) / 2)

            let bad = try await WebPagesTests.get(
                client, "/lecture/attention?" + Self.query([("sentence", "hi"), ("layer", "2")]),
                session: session)
            #expect(bad.status == .badRequest)
            #expect(WebPagesTests.html(bad).contains("Choose a layer from 0 to 1."))
            let long = try await WebPagesTests.get(
                client,
                "/lecture/attention?" + Self.query([("sentence", String(repeating: "x", count: 41))]),
                session: session)
            #expect(long.status == .badRequest)
        }
    }

    @Test func sizesWorkWithoutAModelAndThePipelineSaysHowToGetOne() async throws {
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        try await app(fixture, lecture: nil).test(.router) { client in
            let session = try await WebPagesTests.signIn(client, token: fixture.aliceToken)
            for uri in ["/lecture/pipeline?prompt=hi", "/lecture/attention"] {
                let response = try await WebPagesTests.get(client, uri, session: session)
                #expect(response.status == .serviceUnavailable)
                #expect(WebPagesTests.html(response).contains("lmlab serve --model DIR"))
            }
            let sizes = try await WebPagesTests.get(
                client, "/lecture/sizes?context=1024&cache=fp16", session: session)
            #expect(sizes.status == .ok)
            let page = WebPagesTests.html(sizes)
            // GPT-2 small: HF's 124,439,808 parameters; 2 · 12 · 1024 · 768 · 2 B of KV cache.
            #expect(page.contains("title=\"124,439,808\">124.44M</td>"))
            #expect(page.contains("title=\"37748736 bytes\">36.0 MiB fp16</td>"))
            #expect(page.contains("title=\"8,030,261,248\">8.03B</td>"))  // Llama-3-8B
            let bad = try await WebPagesTests.get(client, "/lecture/sizes?context=0", session: session)
            #expect(bad.status == .badRequest)
            #expect(WebPagesTests.html(bad).contains("from 1 to 1048576"))
        }
    }

    @Test func theSizesPageCountsTheLectureModel() async throws {
        let fixture = try Fixture.make()
        defer { fixture.remove() }
        try await app(fixture, lecture: try Self.tinyLecture()).test(.router) { client in
            let session = try await WebPagesTests.signIn(client, token: fixture.aliceToken)
            let sizes = try await WebPagesTests.get(
                client, "/lecture/sizes?format=fp32&format=q4_0", session: session)
            let page = WebPagesTests.html(sizes)
            // wte 257·32 + wpe 64·32 + 2 blocks of 12,704 + ln_f 64 = 35,744 parameters, all fp32.
            #expect(page.contains("lecture model"))
            #expect(page.contains("title=\"35,744\">35.7K</td>"))
            #expect(page.contains("title=\"142976 bytes\">"))
            #expect(page.contains("<td>q4_0</td>") && !page.contains("<td>q8_0</td>"))
        }
    }
}
