// The lecture's topics as pages (under /lecture): model sizes, behind the pipeline, the attention
// explorer. Every page needs a signed-in session (students and instructors alike). The figures
// are the ones the terminal shows: `ModelSize` (lmlab model size), `generate` with `TopTokens`
// (lmlab model generate --explain K) and the reference's attention weights; the forms are GETs,
// so a page is a link, and the same form gives the same page (generation is seeded).
import Foundation
import Hummingbird
import Quantization
import Store
import Tokenizer
import Transformer

struct LectureWebController<Context: RequestContext>: Sendable {
    let web: WebResponder
    /// The model the pipeline and attention pages run (nil: those pages say how to get one).
    let lecture: LectureModel?

    func addRoutes(to router: Router<Context>) {
        router.get("lecture", use: index)
        router.get("lecture/sizes", use: sizes)
        router.get("lecture/pipeline", use: pipeline)
        router.get("lecture/attention", use: attention)
    }

    // MARK: - Handlers

    @Sendable func index(_ request: Request, context: Context) async throws -> Response {
        guard let session = try web.session(request) else { return web.signInFirst(request) }
        return web.page(
            LectureIndexPage(session: web.view(session), model: lecture?.displayName),
            "lecture", status: .ok, request: request)
    }

    @Sendable func sizes(_ request: Request, context: Context) async throws -> Response {
        guard let session = try web.session(request) else { return web.signInFirst(request) }
        let query = request.uri.queryParameters
        var problem: String?
        var contextLength: Int?
        if let text = query["context"].map(String.init), !text.isEmpty {
            if let n = Int(text), (1...1_048_576).contains(n) {
                contextLength = n
            } else {
                problem = "The context must be a whole number of tokens from 1 to 1048576."
            }
        }
        let cache = query["cache"].flatMap { CacheFormat(rawValue: String($0)) } ?? .fp16
        let chosen = query.getAll("format").compactMap { QuantScheme(rawValue: $0) }
        let formats = chosen.isEmpty ? ModelSize.lectureFormats : chosen
        var configs = ModelSizeConfig.presets
        if let lecture {
            configs.insert(
                ModelSizeConfig(name: "lecture model", gpt2: lecture.model.config), at: 0)
        }
        let models = problem != nil ? [] : try configs.map {
            SizesPage.Model(
                try ModelSize($0, formats: formats, context: contextLength, cache: cache))
        }
        let page = SizesPage(
            session: web.view(session), problem: problem,
            context: query["context"].map(String.init) ?? "",
            caches: CacheFormat.allCases.map {
                Choice(value: $0.rawValue, label: $0.rawValue, selected: $0 == cache)
            },
            formats: QuantScheme.allCases.map {
                Choice(value: $0.rawValue, label: $0.rawValue, selected: formats.contains($0))
            },
            models: models, hasModels: !models.isEmpty)
        return web.page(page, "lecture-sizes", status: problem == nil ? .ok : .badRequest,
            request: request)
    }

    @Sendable func pipeline(_ request: Request, context: Context) async throws -> Response {
        guard let session = try web.session(request) else { return web.signInFirst(request) }
        guard let lecture else { return noModel(session, request) }
        let form = (try? URLEncodedFormDecoder().decode(
            PipelineForm.self, from: request.uri.query ?? "")) ?? PipelineForm()
        var page = PipelinePage(session: web.view(session), form: form, model: lecture.displayName)
        guard let prompt = form.prompt else {
            return web.page(page, "lecture-pipeline", status: .ok, request: request)
        }
        let settings: PipelineForm.Settings
        do {
            settings = try form.settings(prompt: prompt, lecture: lecture)
        } catch let error as FormProblem {
            page.problem = error.message
            return web.page(page, "lecture-pipeline", status: .badRequest, request: request)
        }
        let bpe = lecture.tokenizer
        var steps: [GenerationStep] = []
        let generated = try generate(
            lecture.model, prompt: settings.ids, maxNewTokens: settings.maxTokens,
            temperature: settings.temperature, topK: settings.topK, topP: settings.topP,
            seed: settings.seed, stopAt: bpe.eotID ?? lecture.model.config.eosTokenId,
            onStep: { logits, u, token in
                steps.append(GenerationStep(
                    step: steps.count, u: u, token: token,
                    top: TopTokens(logits: logits, temperature: settings.temperature,
                        k: settings.explain)))
            })
        func piece(_ id: Int) -> String { visiblePiece(bpe, id) }
        page.pieces = settings.ids.map { PipelinePage.Piece(id: $0, text: piece($0)) }
        page.steps = steps.map { step in
            PipelinePage.Step(
                number: step.step + 1, u: String(format: "%.6f", step.u), token: step.token,
                chosen: piece(step.token), stopped: step.token == bpe.eotID,
                top: step.top.entries.map {
                    PipelinePage.Candidate(
                        id: $0.id, text: piece($0.id), logit: String(format: "%.3f", $0.logit),
                        probability: String(format: "%.4f", $0.probability),
                        meter: String(format: "%.6f", $0.probability),
                        chosen: $0.id == step.token)
                },
                inTop: step.top.entries.contains { $0.id == step.token })
        }
        page.prompt = prompt
        page.continuation = String(decoding: (try? bpe.decodeBytes(generated)) ?? [], as: UTF8.self)
        page.ran = true
        return web.page(page, "lecture-pipeline", status: .ok, request: request)
    }

    @Sendable func attention(_ request: Request, context: Context) async throws -> Response {
        guard let session = try web.session(request) else { return web.signInFirst(request) }
        guard let lecture else { return noModel(session, request) }
        let config = lecture.model.config
        let form = (try? URLEncodedFormDecoder().decode(
            AttentionForm.self, from: request.uri.query ?? "")) ?? AttentionForm()
        var problem: String?
        let layer = form.layer.flatMap { Int($0) } ?? 0
        let head = form.head.flatMap { Int($0) } ?? 0
        if !(0..<config.nLayer).contains(layer) {
            problem = "Choose a layer from 0 to \(config.nLayer - 1)."
        } else if !(0..<config.nHead).contains(head) {
            problem = "Choose a head from 0 to \(config.nHead - 1)."
        }
        var page = AttentionPage(
            session: web.view(session), model: lecture.displayName, sentence: form.sentence ?? "",
            layers: (0..<config.nLayer).map {
                Choice(value: "\($0)", label: "layer \($0)", selected: $0 == layer)
            },
            heads: (0..<config.nHead).map {
                Choice(value: "\($0)", label: "head \($0)", selected: $0 == head)
            })
        guard let sentence = form.sentence else {
            return web.page(page, "lecture-attention", status: .ok, request: request)
        }
        let ids = lecture.tokenizer.encode(sentence)
        let limit = min(LectureLimits.maxAttentionTokens, config.nPositions)
        if problem == nil {
            if ids.isEmpty {
                problem = "Type a sentence: there are no tokens to look at."
            } else if sentence.count > LectureLimits.maxTextLength || ids.count > limit {
                problem = "The sentence is \(ids.count) tokens long; the explorer draws at most "
                    + "\(limit). Shorten it."
            }
        }
        if let problem {
            page.problem = problem
            return web.page(page, "lecture-attention", status: .badRequest, request: request)
        }
        let maps = try lecture.model.attentionWeights(ids)[layer]  // [H, T, T]
        let t = ids.count
        let weights = (0..<t).map { i in
            Array(maps.data[((head * t + i) * t)..<((head * t + i + 1) * t)])
        }
        let labels = ids.map { visiblePiece(lecture.tokenizer, $0) }
        page.tokens = ids.count
        page.heatmap = attentionHeatmapSVG(
            weights: weights, rowLabels: labels, columnLabels: labels,
            title: "Attention weights, layer \(layer), head \(head)",
            masked: (0..<t).map { i in (0..<t).map { $0 > i } })
        return web.page(page, "lecture-attention", status: .ok, request: request)
    }

    /// 503: the pages that run a model have none.
    private func noModel(_ session: WebSession, _ request: Request) -> Response {
        web.problem(
            session, status: .serviceUnavailable, heading: "No model to run",
            message: "This daemon was started without a model for the lecture's pages.",
            advice: "The instructor can train the course base model with `lmlab experiment "
                + "base-model --out DIR` and start `lmlab serve --base-model DIR`, or serve any "
                + "GPT-2 folder with its tokenizer with `lmlab serve --model DIR`. Model sizes "
                + "need no model: see /lecture/sizes.",
            request: request)
    }
}

/// How much the lecture's pages compute for one request.
enum LectureLimits {
    /// Largest number of new tokens the pipeline page generates.
    static let maxNewTokens = 32
    /// Largest number of tokens the attention explorer draws.
    static let maxAttentionTokens = 40
    /// Longest prompt or sentence accepted, in characters.
    static let maxTextLength = 2000
}

/// A token as a page shows it: its text, with a space shown as ␣, a newline as ↵ and other
/// control characters as \xNN, so that pieces of whitespace can be seen; a piece that is part
/// of a character (a byte of its UTF-8) is shown as its bytes, \xNN.
func visiblePiece(_ tokenizer: BPETokenizer, _ id: Int) -> String {
    if id == tokenizer.eotID { return "<|endoftext|>" }
    let bytes = (try? tokenizer.decodeBytes([id])) ?? []
    func hex(_ byte: UInt32) -> String { String(format: "\\x%02x", byte) }
    guard let text = String(validating: bytes, as: UTF8.self) else {
        return bytes.map { hex(UInt32($0)) }.joined()
    }
    return text.unicodeScalars.map { scalar in
        switch scalar {
        case " ": return "␣"
        case "\n": return "↵"
        case _ where scalar.value < 0x20 || scalar.value == 0x7F: return hex(scalar.value)
        default: return String(scalar)
        }
    }.joined()
}

/// A form field's problem, said to the person who filled it in.
struct FormProblem: Error {
    let message: String
}

/// One option of a select, a radio group or a checkbox list.
struct Choice {
    var value: String
    var label: String
    var selected: Bool
}

// MARK: - Page models

struct LectureIndexPage {
    var session: SessionView?
    var model: String?
}

struct SizesPage {
    struct Model {
        struct Row {
            /// The model's first row, which carries its name and figures.
            var lead: Bool
            var format: String
            var weights: String
            var exact: String
        }

        var name: String
        var parameters: String
        var exactParameters: String
        var context: Int
        var kvCache: String
        var kvExact: String
        var span: Int
        var rows: [Row]

        init(_ size: ModelSize) {
            name = size.config.name
            parameters = formatCount(size.parameters)
            exactParameters = size.parameters.formatted(.number.locale(Locale(identifier: "en_US")))
            context = size.context
            kvCache = formatBytes(size.kvCacheBytes) + " " + size.cacheFormat.rawValue
            kvExact = "\(size.kvCacheBytes) bytes"
            span = size.weights.count
            rows = size.weights.enumerated().map { i, w in
                Row(
                    lead: i == 0, format: w.format.rawValue,
                    weights: w.bytes.map(formatBytes) ?? "cannot be stored",
                    exact: w.bytes.map { "\($0) bytes" } ?? (w.reason ?? ""))
            }
        }
    }

    var session: SessionView?
    var problem: String?
    var context: String
    var caches: [Choice]
    var formats: [Choice]
    var models: [Model]
    var hasModels: Bool
}

/// The pipeline form's fields as typed (strings, so a bad one can be shown back).
struct PipelineForm: Decodable {
    var prompt: String?
    var maxTokens: String?
    var temperature: String?
    var topK: String?
    var topP: String?
    var seed: String?
    var explain: String?

    enum CodingKeys: String, CodingKey {
        case prompt
        case maxTokens = "max_tokens"
        case temperature
        case topK = "top_k"
        case topP = "top_p"
        case seed
        case explain
    }

    init() {}

    struct Settings {
        var ids: [Int]
        var maxTokens: Int
        var temperature: Float
        var topK: Int
        var topP: Float
        var seed: UInt64
        var explain: Int
    }

    /// The checked settings, or a problem naming the field and what it may be.
    func settings(prompt: String, lecture: LectureModel) throws -> Settings {
        func value<T: LosslessStringConvertible>(_ text: String?, _ fallback: T, _ what: String)
            throws -> T
        {
            guard let text = text?.trimmingCharacters(in: .whitespaces), !text.isEmpty else {
                return fallback
            }
            guard let v = T(text) else { throw FormProblem(message: what) }
            return v
        }
        let cap = LectureLimits.maxNewTokens
        let tokensProblem = "Max tokens must be a whole number from 1 to \(cap)."
        let maxTokens = try value(maxTokens, 8, tokensProblem)
        guard (1...cap).contains(maxTokens) else { throw FormProblem(message: tokensProblem) }
        let temperature: Float = try value(
            temperature, 0.8, "The temperature must be a number, 0 or more (0 is greedy).")
        guard temperature >= 0, temperature <= 100, temperature.isFinite else {
            throw FormProblem(message: "The temperature must be a number, 0 or more (0 is greedy).")
        }
        let topK = try value(topK, 0, "Top-k must be a whole number, 0 or more (0 keeps all).")
        guard topK >= 0 else {
            throw FormProblem(message: "Top-k must be a whole number, 0 or more (0 keeps all).")
        }
        let topP: Float = try value(topP, 1, "Top-p must be a number above 0 and at most 1.")
        guard topP > 0, topP <= 1 else {
            throw FormProblem(message: "Top-p must be a number above 0 and at most 1.")
        }
        let seed: UInt64 = try value(seed, 0, "The seed must be a whole number, 0 or more.")
        let explain = try value(explain, 5, "Show must be a whole number from 1 to 20.")
        guard (1...20).contains(explain) else {
            throw FormProblem(message: "Show must be a whole number from 1 to 20.")
        }
        guard prompt.count <= LectureLimits.maxTextLength else {
            throw FormProblem(message: "The prompt is too long: at most 2000 characters.")
        }
        let ids = lecture.tokenizer.encode(prompt)
        guard !ids.isEmpty else {
            throw FormProblem(message: "Type a prompt: generation needs at least one token.")
        }
        let positions = lecture.model.config.nPositions
        guard ids.count + maxTokens <= positions else {
            throw FormProblem(
                message: "The prompt is \(ids.count) tokens and \(maxTokens) new tokens would "
                    + "run past the model's context of \(positions) tokens. Shorten the prompt "
                    + "or ask for at most \(max(0, positions - ids.count)) new tokens.")
        }
        return Settings(
            ids: ids, maxTokens: maxTokens, temperature: temperature, topK: topK, topP: topP,
            seed: seed, explain: explain)
    }
}

struct PipelinePage {
    struct Piece {
        var id: Int
        var text: String
    }

    struct Candidate {
        var id: Int
        var text: String
        var logit: String
        var probability: String
        var meter: String
        var chosen: Bool
    }

    struct Step {
        var number: Int
        var u: String
        var token: Int
        var chosen: String
        var stopped: Bool
        var top: [Candidate]
        /// Whether the chosen token is among the candidates shown.
        var inTop: Bool
    }

    var session: SessionView?
    var form: PipelineForm
    var model: String
    var problem: String?
    var ran = false
    var pieces: [Piece] = []
    var steps: [Step] = []
    var prompt = ""
    var continuation = ""

    // The form's fields as shown again (defaults where empty); stored, as Mustache reads them.
    var promptField: String
    var maxTokensField: String
    var temperatureField: String
    var topKField: String
    var topPField: String
    var seedField: String
    var explainField: String
    var maxNewTokens = LectureLimits.maxNewTokens

    init(session: SessionView, form: PipelineForm, model: String) {
        self.session = session
        self.form = form
        self.model = model
        promptField = form.prompt ?? "The attention weights"
        maxTokensField = form.maxTokens ?? "8"
        temperatureField = form.temperature ?? "0.8"
        topKField = form.topK ?? "0"
        topPField = form.topP ?? "1"
        seedField = form.seed ?? "0"
        explainField = form.explain ?? "5"
    }
}

struct AttentionForm: Decodable {
    var sentence: String?
    var layer: String?
    var head: String?

    init() {}
}

struct AttentionPage {
    var session: SessionView?
    var model: String
    var sentence: String
    var layers: [Choice]
    var heads: [Choice]
    var problem: String?
    var tokens = 0
    /// SVG made by attentionHeatmapSVG from numbers, every text in it escaped there.
    var heatmap: String?

    init(session: SessionView, model: String, sentence: String, layers: [Choice], heads: [Choice]) {
        self.session = session
        self.model = model
        self.sentence = sentence
        self.layers = layers
        self.heads = heads
        sentenceField = sentence.isEmpty ? "The query looks at every key" : sentence
    }

    var sentenceField: String
}
