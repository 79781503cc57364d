// `runTraining`: the run it records holds exactly the losses the trainer reported, they fall,
// and the checkpoint it saves loads back with its tokenizer.
import Foundation
import Store
import Testing
import Tokenizer
import Training
import Transformer

@testable import Experiments

@Suite("Training experiment")
struct TrainExperimentTests {
    @Test func logsTheTrainersLossesAndTheyDecrease() throws {
        let world = try TinyWorld()
        let store = try LabStore.inMemory()
        let out = world.root.appendingPathComponent("trained")
        var reported: [StepMetrics] = []
        var evals: [EvalPoint] = []
        let spec = TrainSpec(
            model: .fresh(ModelShape(layers: 1, heads: 2, embd: 32, context: 32)),
            vocabSize: 300, corpus: world.corpus,
            options: TrainingOptions(
                steps: 40, batchSize: 4, sequenceLength: 16, learningRate: 1e-2,
                minLearningRate: 1e-3, warmupSteps: 2, evalInterval: 20,
                checkpointFolder: out, seed: 3))
        let outcome = try runTraining(
            spec, target: RunTarget(store: store, experiment: "tiny-train"),
            onStep: { reported.append($0) }, onEval: { evals.append($0) })
        let id = try #require(outcome.runID)

        let logged = try store.metricHistory(runID: id, key: "loss")
        #expect(logged.map(\.step) == (1...40).map(Int64.init))
        let expected = reported.map { Double($0.loss) }
        let worst = zip(logged.map(\.loggedValue), expected).map { abs($0 - $1) }.max() ?? 1
        #expect(logged.count == expected.count && worst == 0, "max |logged - reported| \(worst)")
        let first = expected.prefix(5).reduce(0, +) / 5
        let last = expected.suffix(5).reduce(0, +) / 5
        #expect(last < first - 1, "mean loss of the first 5 steps \(first), last 5 \(last)")

        let evalLogged = try store.metricHistory(runID: id, key: "eval_loss")
        #expect(evalLogged.map(\.step) == [20, 40])
        #expect(evalLogged.map(\.loggedValue) == evals.map { Double($0.loss) })
        let lr = try store.metricHistory(runID: id, key: "lr").map(\.loggedValue)
        #expect(lr == reported.map { Double($0.learningRate) })

        let details = try store.runDetails(id: id)
        #expect(details.run.source == .builtIn && details.run.status == .finished)
        #expect(details.params["steps"] == "40" && details.params["init"] == "1,2,32,32")
        // 1 block of C = 32 with 4C MLP, V = 300, 32 positions, ln_f: counted by hand.
        let block = 2 * 32 + (32 * 96 + 96) + (32 * 32 + 32) + 2 * 32 + (32 * 128 + 128)
            + (128 * 32 + 32)
        let parameters = 300 * 32 + 32 * 32 + block + 2 * 32
        #expect(details.params["model.parameters"] == "\(parameters)")

        let saved = try loadCheckpoint(out)
        #expect(saved.weights.wte == outcome.model.weights.wte)
        let bpe = try BPETokenizer(folder: out)
        #expect(bpe.vocabSize == outcome.tokenizer.vocabSize)
    }

    @Test func parsesAndRefusesInitShapes() throws {
        #expect(try ModelShape(parsing: "4,4,128,128") == ModelShape(layers: 4, heads: 4, embd: 128, context: 128))
        #expect(throws: ExperimentError.self) { try ModelShape(parsing: "4,3,128,128") }
        #expect(throws: ExperimentError.self) { try ModelShape(parsing: "4,4,128") }
    }
}
