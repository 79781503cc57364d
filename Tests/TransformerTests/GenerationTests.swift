// Generation: greedy equals repeated argmax of the full forward; sampling is reproducible from
// the seed and follows sampleToken with the RNG's uniform draws; limits and eot.
import Tensors
import Testing

@testable import Transformer

@Suite struct GenerationTests {
    @Test func greedyEqualsArgmaxOfFullForward() throws {
        let model = try tinyModel()
        var streamed: [Int] = []
        let out = try generate(model, prompt: [3, 1, 4], maxNewTokens: 8, temperature: 0) {
            streamed.append($0)
        }
        // Independently: recompute the whole sequence each step and take the argmax.
        var seq = [3, 1, 4]
        for _ in 0..<8 {
            let logits = try model.forward(seq)
            seq.append(argmax(Array(logits.data.suffix(50))))
        }
        #expect(out == Array(seq.dropFirst(3)))
        #expect(streamed == out)
    }

    @Test func samplingUsesTheSeededUniformDraws() throws {
        let model = try tinyModel()
        let out = try generate(
            model, prompt: [7], maxNewTokens: 6, temperature: 0.8, topK: 10, topP: 0.9, seed: 42)
        var rng = RNG(seed: 42)
        var seq = [7]
        for _ in 0..<6 {
            let logits = Array(try model.forward(seq).data.suffix(50))
            seq.append(
                sampleToken(logits: logits, temperature: 0.8, topK: 10, topP: 0.9, u: rng.uniform())
            )
        }
        #expect(out == Array(seq.dropFirst()))
        #expect(
            try generate(
                model, prompt: [7], maxNewTokens: 6, temperature: 0.8, topK: 10, topP: 0.9, seed: 42
            ) == out)
    }

    @Test func stopsAtEndOfText() throws {
        let model = try tinyModel()
        let free = try generate(model, prompt: [3, 1, 4], maxNewTokens: 8, temperature: 0)
        let eot = free[2]
        let firstEot = free.firstIndex(of: eot) ?? 0
        let stopped = try generate(
            model, prompt: [3, 1, 4], maxNewTokens: 8, temperature: 0, stopAt: eot)
        #expect(stopped == Array(free[..<firstEot]))
    }

    @Test func rejectsBadRequests() throws {
        let model = try tinyModel()
        #expect(throws: TransformerError.emptyPrompt) {
            try generate(model, prompt: [], maxNewTokens: 3)
        }
        #expect(
            throws: TransformerError.generationTooLong(
                promptLength: 10, maxNewTokens: 7, maxPositions: 16)
        ) {
            try generate(model, prompt: Array(repeating: 1, count: 10), maxNewTokens: 7)
        }
        #expect(throws: TransformerError.tokenOutOfRange(id: 50, position: 1, vocabSize: 50)) {
            try generate(model, prompt: [1, 50], maxNewTokens: 3)
        }
        let message = TransformerError.generationTooLong(
            promptLength: 10, maxNewTokens: 7, maxPositions: 16
        ).description
        #expect(message.contains("truncate"))
    }
}
