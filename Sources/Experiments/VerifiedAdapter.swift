// Verified LoRA runs: lmlab loads a student's PEFT adapter, merges it into the base with the
// reference, measures the evaluation perplexity itself and records the run as `verified` — the
// numbers on a verified leaderboard are lmlab's, not the student's.
import Foundation
import Store
import Training
import Transformer

/// What lmlab measured for a student's adapter.
public struct VerifiedAdapter: Sendable {
    public var runID: String?
    public var adapters: LoRAWeights
    /// The merged model's mean next-token loss over the whole evaluation text.
    public var loss: Float
    public var perplexity: Float { expf(loss) }
    /// The base model's, on the same tokens.
    public var baseLoss: Float
    public var evalTargets: Int
    /// SHA-256 of adapter_config.json + adapter_model.safetensors, so the run names the exact
    /// files it verified.
    public var adapterDigest: String
}

/// Loads the PEFT adapter in `adapter` for `base`, merges it (W += s·(B·A)ᵀ), evaluates the
/// merged model on `evalTokens` in windows of its context and records a `verified` run in
/// `target` if given, with `tags` added to its own. `baseLoss` is `base`'s loss on `evalTokens`
/// when the caller has measured it already (else it is measured here).
public func verifyAdapter(
    adapter: URL, base: GPT2Model, basePath: String, evalTokens: [Int], evalFile: String,
    baseLoss knownBaseLoss: Float? = nil, target: RunTarget?, tags: [String: String] = [:]
) throws -> VerifiedAdapter {
    let adapters = try LoRAWeights.load(from: adapter, for: base.config)
    let merged = try adapters.merged(into: base)
    let (loss, targets) = try textLoss(model: merged, tokens: evalTokens)
    let baseLoss = try knownBaseLoss ?? textLoss(model: base, tokens: evalTokens).loss
    var bytes = Data()
    for name in ["adapter_config.json", "adapter_model.safetensors"] {
        bytes.append((try? Data(contentsOf: adapter.appendingPathComponent(name))) ?? Data())
    }
    var result = VerifiedAdapter(
        runID: nil, adapters: adapters, loss: loss, baseLoss: baseLoss, evalTargets: targets,
        adapterDigest: SHA256.hexDigest(bytes))
    guard let target else { return result }
    let recorder = try RunRecorder(
        target: target, source: .verified,
        tags: tags.merging(["verified": "true", "kind": "lora"]) { _, own in own })
    result.runID = try recorder.recording { r in
        var params = modelParams(base.config)
        params["base_model"] = basePath
        params["adapter"] = adapter.path
        params["adapter_sha256"] = result.adapterDigest
        params["lora_r"] = "\(adapters.config.rank)"
        params["lora_alpha"] = param(adapters.config.alpha)
        params["lora_targets"] = adapters.config.targets.map(\.rawValue).joined(separator: ",")
        params["trainable_parameters"] = "\(adapters.trainableParameterCount)"
        params["eval_file"] = evalFile
        params["eval_targets"] = "\(targets)"
        params["verified_by"] = "lmlab: adapter merged into the base, perplexity measured"
        try r.log(params: params)
        try r.log("eval_loss", Double(loss), step: 0)
        try r.log("perplexity", Double(expf(loss)), step: 0)
        try r.log("base_eval_loss", Double(baseLoss), step: 0)
        try r.log("base_perplexity", Double(expf(baseLoss)), step: 0)
        return r.runID
    }
    return result
}
