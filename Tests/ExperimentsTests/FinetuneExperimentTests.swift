// `runFinetune`: params and the trainable count (worked by hand), loss by step as reported, the
// base's eval loss as step 0, and a PEFT adapter that reloads to the trained weights.
import Foundation
import Store
import Testing
import Training
import Transformer

@testable import Experiments

@Suite("Fine-tuning experiment")
struct FinetuneExperimentTests {
    @Test func logsParamsAndSavesAnAdapterThatReloads() throws {
        let world = try TinyWorld()
        let store = try LabStore.inMemory()
        let adapterFolder = world.root.appendingPathComponent("adapter")
        var reported: [Float] = []
        let spec = FinetuneSpec(
            base: world.modelFolder, lora: try LoRAConfig(rank: 4, alpha: 8),
            trainFile: world.corpus, evalFile: world.corpus,
            options: TrainingOptions(
                steps: 6, batchSize: 2, sequenceLength: 16, learningRate: 1e-2, warmupSteps: 1,
                evalInterval: 3, checkpointFolder: adapterFolder, seed: 5))
        let outcome = try runFinetune(
            spec, target: RunTarget(store: store, experiment: "tiny-lora", studentID: "s1"),
            onStep: { reported.append($0.loss) })
        let id = try #require(outcome.runID)
        let details = try store.runDetails(id: id)
        #expect(details.params["lora_r"] == "4" && details.params["lora_alpha"] == "8.0")
        #expect(details.params["lora_targets"] == "c_attn")
        // c_attn in each of 2 layers: A [4, 32] + B [96, 4] = 128 + 384 = 512.
        #expect(details.params["trainable_parameters"] == "1024")
        #expect(details.run.studentID == "s1" && details.tags["kind"] == "lora")

        let losses = try store.metricHistory(runID: id, key: "loss").map(\.loggedValue)
        #expect(losses == reported.map(Double.init))
        let evalLoss = try store.metricHistory(runID: id, key: "eval_loss")
        #expect(evalLoss.map(\.step) == [0, 3, 6])
        // Step 0 is the base itself: B = 0 at init, so the adapted model is the base.
        let base = try loadCheckpoint(world.modelFolder)
        let direct = try evaluationLoss(
            model: base, tokens: world.tokenizer.encode(tinyCorpus, allowSpecial: false),
            sequenceLength: 16, maxWindows: 16)
        #expect(abs(evalLoss[0].loggedValue - Double(direct)) < 1e-6)

        let reloaded = try LoRAWeights.load(from: adapterFolder, for: base.config)
        #expect(reloaded.adapters == outcome.result.adapters.adapters)
        #expect(reloaded.config.rank == 4 && reloaded.config.alpha == 8)
        #expect(
            FileManager.default.fileExists(
                atPath: adapterFolder.appendingPathComponent("adapter_config.json").path))
    }
}
