// The sampler on hand-worked distributions: each expected id is worked out from the numbered
// procedure by hand (probabilities chosen so the arithmetic is exact).
import Foundation
import Testing

@testable import Transformer

@Suite struct SamplingTests {
    // logits = log p for p = [0.1, 0.4, 0.2, 0.3]: order by probability is 1, 3, 2, 0.
    let logits: [Float] = [0.1, 0.4, 0.2, 0.3].map { logf($0) }

    @Test func greedyAtZeroTemperatureWithTiesToLowestId() {
        #expect(sampleToken(logits: logits, temperature: 0, topK: 0, topP: 1, u: 0.99) == 1)
        #expect(sampleToken(logits: [1, 3, 3, 2], temperature: 0, topK: 0, topP: 1, u: 0.5) == 1)
    }

    @Test func fullDistributionInverseCDF() {
        // Cumulative in order 1, 3, 2, 0: 0.4, 0.7, 0.9, 1.0.
        let pick = { (u: Float) in
            sampleToken(logits: logits, temperature: 1, topK: 0, topP: 1, u: u)
        }
        #expect(pick(0) == 1)
        #expect(pick(0.39) == 1)
        #expect(pick(0.41) == 3)
        #expect(pick(0.69) == 3)
        #expect(pick(0.71) == 2)
        #expect(pick(0.95) == 0)
        #expect(pick(1.0) == 0)  // nothing exceeds 1: the last kept id
    }

    @Test func topK() {
        // k = 2 keeps 1, 3 renormalised: 0.4/0.7 = 0.5714…, then 1.
        let pick = { (u: Float) in
            sampleToken(logits: logits, temperature: 1, topK: 2, topP: 1, u: u)
        }
        #expect(pick(0.5) == 1)
        #expect(pick(0.6) == 3)
        #expect(pick(0.99) == 3)
        #expect(sampleToken(logits: logits, temperature: 1, topK: 1, topP: 1, u: 0.99) == 1)
    }

    @Test func topP() {
        // p = 0.6: cumulative 0.4 < 0.6, 0.7 >= 0.6 -> keep 1, 3 (as top-k 2).
        #expect(sampleToken(logits: logits, temperature: 1, topK: 0, topP: 0.6, u: 0.6) == 3)
        #expect(sampleToken(logits: logits, temperature: 1, topK: 0, topP: 0.6, u: 0.5) == 1)
        // p = 0.75 keeps 1, 3, 2 (0.9 >= 0.75): renormalised cumulative 0.444, 0.778, 1.
        #expect(sampleToken(logits: logits, temperature: 1, topK: 0, topP: 0.75, u: 0.8) == 2)
        // A tiny p still keeps the most probable id.
        #expect(sampleToken(logits: logits, temperature: 1, topK: 0, topP: 0.01, u: 0.99) == 1)
        // top-k then top-p: k = 3 then p = 0.5 keeps 1, 3.
        #expect(sampleToken(logits: logits, temperature: 1, topK: 3, topP: 0.5, u: 0.9) == 3)
    }

    @Test func temperature() {
        // logits [0, ln 3] at T = 0.5 -> p ∝ [1, 9] = [0.1, 0.9]; order 1, 0.
        let l: [Float] = [0, logf(3)]
        #expect(sampleToken(logits: l, temperature: 0.5, topK: 0, topP: 1, u: 0.89) == 1)
        #expect(sampleToken(logits: l, temperature: 0.5, topK: 0, topP: 1, u: 0.91) == 0)
        // At T = 1, p = [0.25, 0.75]: u = 0.8 picks 0.
        #expect(sampleToken(logits: l, temperature: 1, topK: 0, topP: 1, u: 0.8) == 0)
    }

    @Test func tiesOrderedByLowerId() {
        // Equal probabilities: order 0, 1, 2, 3; each 0.25.
        let flat: [Float] = [2, 2, 2, 2]
        #expect(sampleToken(logits: flat, temperature: 1, topK: 0, topP: 1, u: 0.3) == 1)
        #expect(sampleToken(logits: flat, temperature: 1, topK: 2, topP: 1, u: 0.6) == 1)
        #expect(sampleToken(logits: [1, 5, 5, 1], temperature: 1, topK: 1, topP: 1, u: 0.9) == 1)
    }

    @Test func hugeLogitsStayFinite() {
        #expect(
            sampleToken(logits: [1000, 999, -1000], temperature: 1, topK: 0, topP: 1, u: 0.5) == 0)
        #expect(
            sampleToken(logits: [1000, 999, -1000], temperature: 1, topK: 0, topP: 1, u: 0.9) == 1)
    }
}
