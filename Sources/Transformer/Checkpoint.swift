// Hugging Face GPT-2 checkpoint folders: config.json + model.safetensors, read as they come from
// the Hub (optional "transformer." prefix, F32/F16/BF16) and written back in the same layout.
import Foundation
import Tensors

/// Tensors a HF GPT-2 checkpoint may carry that the model does not use: the causal-mask buffers,
/// and lm_head.weight when the head is tied to wte (HF then ties it too, ignoring the stored copy).
private func isIgnoredTensor(_ name: String, config: GPT2Config) -> Bool {
    if name == "lm_head.weight" { return config.tieWordEmbeddings }
    let parts = name.split(separator: ".")
    return parts.count == 4 && parts[0] == "h" && Int(parts[1]) != nil && parts[2] == "attn"
        && (parts[3] == "bias" || parts[3] == "masked_bias")
}

/// Loads a Hugging Face GPT-2 folder (config.json + model.safetensors). Every tensor of
/// `GPT2Weights.parameters(for:)` must be present with the shape config.json implies (so an
/// untied head's lm_head.weight too); any other tensor (except the ignored buffers, and
/// lm_head.weight of a tied head) is an error listing it.
public func loadCheckpoint(_ folder: URL) throws -> GPT2Model {
    let config = try loadConfig(folder.appendingPathComponent("config.json"))
    let weightsURL = folder.appendingPathComponent("model.safetensors")
    let file = weightsURL.path
    let st: SafeTensorsFile
    do { st = try SafeTensorsFile(contentsOf: weightsURL) } catch {
        throw TransformerError.io(file: file, reason: "cannot read the weights: \(error)")
    }
    // HF name (prefix stripped) -> name in the file.
    var stored: [String: String] = [:]
    var duplicates: [String] = []  // the same tensor with and without the prefix
    for name in st.names.sorted() {
        let bare = name.hasPrefix("transformer.") ? String(name.dropFirst(12)) : name
        if stored[bare] != nil { duplicates.append(name) } else { stored[bare] = name }
    }
    let parameters = GPT2Weights.parameters(for: config)
    let expected = Set(parameters.map(\.name))
    let missing = parameters.map(\.name).filter { stored[$0] == nil }
    let unused =
        (stored.keys.filter { !expected.contains($0) && !isIgnoredTensor($0, config: config) }
        + duplicates).sorted()
    guard missing.isEmpty && unused.isEmpty else {
        throw TransformerError.tensorNames(missing: missing, unused: unused, file: file)
    }
    var weights = GPT2Weights(zerosFor: config)
    for p in parameters {
        guard let name = stored[p.name], let info = st.info(name) else { continue }
        guard info.shape == p.shape else {
            throw TransformerError.shapeMismatch(
                tensor: name, expected: p.shape, actual: info.shape, file: file)
        }
        do { weights[keyPath: p.field] = try st.tensor(name) } catch {
            throw TransformerError.io(file: file, reason: "cannot read tensor \(name): \(error)")
        }
    }
    return try GPT2Model(config: config, weights: weights, source: file)
}

/// Reads and validates config.json; errors name the file and the key.
public func loadConfig(_ url: URL) throws -> GPT2Config {
    let data: Data
    do { data = try Data(contentsOf: url) } catch {
        throw TransformerError.io(
            file: url.path,
            reason: "cannot read it; a GPT-2 checkpoint folder holds config.json "
                + "and model.safetensors")
    }
    do {
        return try JSONDecoder().decode(GPT2Config.self, from: data)
    } catch TransformerError.badConfig(let key, let reason, _) {
        throw TransformerError.badConfig(key: key, reason: reason, file: url.path)
    } catch {
        throw TransformerError.io(file: url.path, reason: "is not a valid JSON object: \(error)")
    }
}

/// Writes `model` as a Hugging Face GPT-2 folder: config.json (HF style) and model.safetensors
/// (F32, no prefix). Both are written into a temporary folder beside `folder`, which is then
/// renamed into place, so a reader never sees a half-written checkpoint.
public func saveCheckpoint(_ model: GPT2Model, to folder: URL) throws {
    let fm = FileManager.default
    let parent = folder.deletingLastPathComponent()
    let temporary = parent.appendingPathComponent(
        ".\(folder.lastPathComponent).tmp-\(UUID().uuidString)")
    do {
        try fm.createDirectory(at: temporary, withIntermediateDirectories: true)
        try hfConfigJSON(model.config).write(to: temporary.appendingPathComponent("config.json"))
        let entries = GPT2Weights.parameters(for: model.config).map {
            SafeTensorsEntry(name: $0.name, tensor: model.weights[keyPath: $0.field], as: .F32)
        }
        try SafeTensors.write(
            entries, metadata: ["format": "pt"],
            to: temporary.appendingPathComponent("model.safetensors"))
        // Swap into place; an existing checkpoint is moved aside first and removed after.
        if fm.fileExists(atPath: folder.path) {
            let old = parent.appendingPathComponent(
                ".\(folder.lastPathComponent).old-\(UUID().uuidString)")
            try fm.moveItem(at: folder, to: old)
            try fm.moveItem(at: temporary, to: folder)
            try? fm.removeItem(at: old)
        } else {
            try fm.moveItem(at: temporary, to: folder)
        }
    } catch {
        try? fm.removeItem(at: temporary)
        throw TransformerError.io(file: folder.path, reason: "cannot save the checkpoint: \(error)")
    }
}

/// config.json as Hugging Face writes it for GPT-2.
private func hfConfigJSON(_ config: GPT2Config) throws -> Data {
    let encoded = try JSONEncoder().encode(config)
    guard var object = try JSONSerialization.jsonObject(with: encoded) as? [String: Any] else {
        throw TransformerError.io(file: "config.json", reason: "config did not encode to an object")
    }
    object["model_type"] = "gpt2"
    object["architectures"] = ["GPT2LMHeadModel"]
    object["n_ctx"] = config.nPositions
    object["bos_token_id"] = config.bosTokenId ?? config.vocabSize - 1
    object["eos_token_id"] = config.eosTokenId ?? config.vocabSize - 1
    return try JSONSerialization.data(
        withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
}
