// PEFT adapters merged as PEFT merges them: use_rslora, rank_pattern, alpha_pattern,
// layers_to_transform, a regex target_modules and exclude_modules, each against the NumPy
// oracle (Tests/Oracle/lora_peft.py merge) and against peft's own merge_and_unload, recorded in
// the committed fixtures Tests/Oracle/Fixtures/peft (written by lora_peft.py make with peft
// installed). And the adapters lmlab must refuse, with errors naming the file and the key.
import Foundation
import Tensors
import TestSupport
import Testing
import Transformer

@testable import Training

private let fixtures = repositoryRoot.appendingPathComponent("Tests/Oracle/Fixtures/peft")
private let variants = ["plain", "rslora", "patterns", "layers", "regex", "exclude"]

/// Every merged linear weight of `model` against `expected` (HF names): the largest difference.
private func maxDifference(_ model: GPT2Model, _ expected: SafeTensorsFile) throws -> Float {
    var worst: Float = 0
    for p in GPT2Weights.parameters(for: model.config) where expected.info(p.name) != nil {
        worst = max(worst, model.weights[keyPath: p.field].maxAbsDifference(try expected.tensor(p.name)))
    }
    return worst
}

/// A copy of a fixture's adapter folder with adapter_config.json edited by `edit`.
private func editedAdapter(_ variant: String, _ edit: (inout [String: Any]) -> Void) throws -> URL {
    let folder = try makeScratchDirectory("peft-edit").appendingPathComponent("adapter")
    try FileManager.default.copyItem(
        at: fixtures.appendingPathComponent("\(variant)/adapter"), to: folder)
    let file = folder.appendingPathComponent("adapter_config.json")
    var object =
        try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any] ?? [:]
    edit(&object)
    try JSONSerialization.data(withJSONObject: object).write(to: file)
    return folder
}

@Suite struct PEFTAdapterTests {
    @Test(arguments: variants)
    func mergeMatchesNumPyOracleAndPEFT(variant: String) throws {
        let base = try loadCheckpoint(fixtures.appendingPathComponent("\(variant)/base"))
        let adapter = fixtures.appendingPathComponent("\(variant)/adapter")
        let merged = try LoRAWeights.load(from: adapter, for: base.config).merged(into: base)

        let out = try makeScratchDirectory("peft-merge")
        defer { try? FileManager.default.removeItem(at: out) }
        try runOracle(
            "lora_peft.py",
            ["merge", fixtures.appendingPathComponent("\(variant)/base").path, adapter.path, out.path])
        let numpy = try SafeTensorsFile(contentsOf: out.appendingPathComponent("merged.safetensors"))
        let peft = try SafeTensorsFile(
            contentsOf: fixtures.appendingPathComponent("\(variant)/expected.safetensors"))
        let (vsNumPy, vsPEFT) = (try maxDifference(merged, numpy), try maxDifference(merged, peft))
        print("\(variant): max |diff| vs NumPy \(vsNumPy), vs peft \(vsPEFT)")
        #expect(vsNumPy < 1e-5 && vsPEFT < 1e-5, "\(variant): NumPy \(vsNumPy), peft \(vsPEFT)")
        // The adapter changes the model: a merge that ignored it would not pass.
        #expect(try maxDifference(base, peft) > 1e-2)
    }

    @Test func scalingsFollowPEFTsRules() throws {
        // Hand-worked from the fixtures' configs: patterns r 4, alpha 8, rank_pattern
        // {h.1.attn.c_attn: 2, mlp.c_proj: 6}, alpha_pattern {attn.c_proj: 3}.
        let base = try loadCheckpoint(fixtures.appendingPathComponent("patterns/base"))
        let lora = try LoRAWeights.load(
            from: fixtures.appendingPathComponent("patterns/adapter"), for: base.config)
        let scalings = Dictionary(
            uniqueKeysWithValues: lora.adapters.map { ("\($0.layer).\($0.target.module)", $0.scaling) })
        #expect(scalings["0.attn.c_attn"] == 2 && scalings["1.attn.c_attn"] == 4)
        #expect(scalings["0.attn.c_proj"] == 0.75 && scalings["1.mlp.c_proj"] == Float(8) / 6)
        // rslora: alpha 8 / √4.
        let rs = try LoRAWeights.load(
            from: fixtures.appendingPathComponent("rslora/adapter"),
            for: try loadCheckpoint(fixtures.appendingPathComponent("rslora/base")).config)
        #expect(rs.adapters.allSatisfy { $0.scaling == 4 })
        // layers_to_transform [1]: nothing on block 0.
        let layers = try LoRAWeights.load(
            from: fixtures.appendingPathComponent("layers/adapter"),
            for: try loadCheckpoint(fixtures.appendingPathComponent("layers/base")).config)
        #expect(layers.adapters.map(\.layer) == [1, 1])
    }

    @Test(arguments: [
        ("target_modules", #"{"target_modules": ["q_proj", "v_proj"]}"#),
        ("rank_pattern.q_proj", #"{"rank_pattern": {"q_proj": 2}}"#),
        ("alpha_pattern.h\\.7\\.attn", #"{"alpha_pattern": {"h\\.7\\.attn": 2}}"#),
        ("target_modules", #"{"target_modules": ["c_attn", "lm_head"]}"#),
        ("bias", #"{"bias": "all"}"#),
        ("bias", #"{"bias": "lora_only"}"#),
        ("modules_to_save", #"{"modules_to_save": ["lm_head"]}"#),
        ("use_dora", #"{"use_dora": true}"#),
        ("layers_to_transform", #"{"layers_to_transform": [5]}"#),
        ("peft_type", #"{"peft_type": "IA3"}"#),
    ])
    func refusesByFileAndKey(key: String, json: String) throws {
        let patch =
            try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] ?? [:]
        let folder = try editedAdapter("plain") { $0.merge(patch) { $1 } }
        defer { try? FileManager.default.removeItem(at: folder.deletingLastPathComponent()) }
        let base = try loadCheckpoint(fixtures.appendingPathComponent("plain/base"))
        func isExpected(_ error: (any Error)?) -> Bool {
            guard let error else { return false }
            guard case TrainingError.badAdapterConfig(let got, _, let file) = error else {
                return false
            }
            return got == key && file.hasSuffix("adapter/adapter_config.json")
        }
        let error = #expect(throws: (any Error).self) { _ = try LoRAWeights.load(from: folder, for: base.config) }
        #expect(isExpected(error), "\(String(describing: error))")
    }

    @Test func adapterForAnotherBaseIsAShapeError() throws {
        // The fixtures' bases are C = 16; this one is C = 32.
        let other = try GPT2Config(vocabSize: 40, nPositions: 12, nEmbd: 32, nLayer: 2, nHead: 2)
        func isExpected(_ error: (any Error)?) -> Bool {
            guard let error else { return false }
            guard case TrainingError.adapterShape(let tensor, _, _, let file) = error else {
                return false
            }
            return tensor.contains("lora_A") && file.hasSuffix("adapter_model.safetensors")
        }
        let error = #expect(throws: (any Error).self) { _ = try LoRAWeights.load(from: fixtures.appendingPathComponent("plain/adapter"), for: other) }
        #expect(isExpected(error), "\(String(describing: error))")
    }
}
