// adapter_config.json read as PEFT's LoraConfig reads it, and resolved against a GPT-2 the way
// PEFT's LoraModel injects adapters: which modules target_modules (and layers_to_transform)
// select, each module's rank and alpha (rank_pattern, alpha_pattern) and its scaling
// (lora_alpha / r, or lora_alpha / √r with use_rslora). Keys PEFT honours but lmlab cannot are
// refused by name.
import Foundation
import Transformer

/// The keys of a PEFT LoRA adapter_config.json that decide what a merge computes.
struct PEFTAdapterConfig {
    var rank: Int
    var alpha: Float
    var useRslora: Bool
    /// Module-name regex -> rank / alpha, in the file's order (PEFT takes the first match).
    var rankPattern: [(pattern: String, value: Int)]
    var alphaPattern: [(pattern: String, value: Float)]
    /// A list of names (a module matches by its full name or a ".name" suffix), or one regex
    /// that must match a module's full name.
    var targetModules: Either
    /// Modules never adapted, as target_modules (a list or one regex).
    var excludeModules: Either?
    var layersToTransform: [Int]?
    var layersPattern: [String]?
    /// "none": no bias was trained (all and lora_only are refused).
    var bias: String
    /// Modules trained in full and saved with the adapter (refused unless empty).
    var modulesToSave: [String]
    var baseModelNameOrPath: String
    let file: String

    enum Either {
        case names([String])
        case regex(String)
    }

    /// One adapted module: where it is, and its own rank, alpha and scaling.
    struct Module {
        let layer: Int
        let target: LoRATarget
        let rank: Int
        let alpha: Float
        let scaling: Float
    }

    /// Parses adapter_config.json's object; every error names `file` and the key.
    init(_ object: [String: Any], file: String) throws {
        self.file = file
        func bad(_ key: String, _ reason: String) -> TrainingError {
            .badAdapterConfig(key: key, reason: reason, file: file)
        }
        guard (object["peft_type"] as? String) == "LORA" else {
            throw bad("peft_type", "must be \"LORA\"")
        }
        guard let rank = object["r"] as? Int, rank >= 1 else {
            throw bad("r", "is missing or not a positive integer")
        }
        guard let alpha = (object["lora_alpha"] as? NSNumber)?.floatValue, alpha.isFinite else {
            throw bad("lora_alpha", "is missing or not a number")
        }
        self.rank = rank
        self.alpha = alpha
        useRslora = object["use_rslora"] as? Bool ?? false
        for key in ["use_dora", "use_qalora"] where object[key] as? Bool == true {
            throw bad(key, "is true, but lmlab merges plain LoRA only (W + s·BA)")
        }
        rankPattern = try Self.patterns(object["rank_pattern"], key: "rank_pattern", file: file) {
            ($0 as? Int).flatMap { $0 >= 1 ? $0 : nil }
        }
        alphaPattern = try Self.patterns(object["alpha_pattern"], key: "alpha_pattern", file: file) {
            ($0 as? NSNumber)?.floatValue
        }
        if let list = object["target_modules"] as? [String], !list.isEmpty {
            targetModules = .names(list)
        } else if let one = object["target_modules"] as? String {
            targetModules = .regex(one)
        } else {
            throw bad("target_modules", "is missing or not a list of module names (or a regex)")
        }
        switch object["exclude_modules"] ?? NSNull() {
        case is NSNull: excludeModules = nil
        case let list as [String]: excludeModules = .names(list)
        case let one as String: excludeModules = .regex(one)
        default: throw bad("exclude_modules", "must be a list of module names or a regex")
        }
        if let value = object["target_parameters"], !(value is NSNull) {
            if !((value as? [Any])?.isEmpty ?? false) {
                throw bad("target_parameters", "is set, but lmlab adapts modules only")
            }
        }
        switch object["layers_to_transform"] ?? NSNull() {
        case is NSNull: layersToTransform = nil
        case let one as Int: layersToTransform = [one]
        case let list as [Int]: layersToTransform = list
        default: throw bad("layers_to_transform", "must be a layer index or a list of them")
        }
        switch object["layers_pattern"] ?? NSNull() {
        case is NSNull: layersPattern = nil
        case let one as String: layersPattern = [one]
        case let list as [String]: layersPattern = list
        default: throw bad("layers_pattern", "must be a name or a list of names")
        }
        bias = object["bias"] as? String ?? "none"
        guard bias == "none" else {
            throw bad(
                "bias",
                "is \"\(bias)\": the adapter carries trained biases, which lmlab does not merge; "
                    + "train the adapter with bias=\"none\"")
        }
        switch object["modules_to_save"] ?? NSNull() {
        case is NSNull: modulesToSave = []
        case let list as [String]: modulesToSave = list
        default: throw bad("modules_to_save", "must be a list of module names or null")
        }
        guard modulesToSave.isEmpty else {
            throw bad(
                "modules_to_save",
                "lists \(modulesToSave.joined(separator: ", ")): the adapter carries fully trained "
                    + "modules, which lmlab does not merge; train without modules_to_save")
        }
        if case .regex = targetModules, layersToTransform != nil {
            throw bad("layers_to_transform", "cannot be used when target_modules is a regex (PEFT refuses it too)")
        }
        // fan_in_fan_out only says how the base stores W; GPT-2's Conv1D is [in, out], and PEFT
        // sets fan_in_fan_out = true for Conv1D whatever the file says, so A and B are the same.
        for key in ["layer_replication", "megatron_config", "loftq_config", "eva_config"] {
            if let value = object[key], !(value is NSNull) {
                if let dict = value as? [String: Any], dict.isEmpty { continue }
                throw bad(key, "is set, but lmlab merges plain LoRA only")
            }
        }
        baseModelNameOrPath = object["base_model_name_or_path"] as? String ?? ""
    }

    /// rank_pattern / alpha_pattern as an ordered list (JSON object order is the file's).
    private static func patterns<T>(
        _ value: Any?, key: String, file: String, _ convert: (Any) -> T?
    ) throws -> [(pattern: String, value: T)] {
        guard let value, !(value is NSNull) else { return [] }
        guard let dict = value as? [String: Any] else {
            throw TrainingError.badAdapterConfig(
                key: key, reason: "must be an object of module name -> value", file: file)
        }
        var out: [(pattern: String, value: T)] = []
        for name in dict.keys.sorted() {
            guard let v = dict[name].flatMap(convert) else {
                throw TrainingError.badAdapterConfig(
                    key: "\(key).\(name)", reason: "is not a valid value", file: file)
            }
            out.append((name, v))
        }
        return out
    }

    /// The name PEFT gives block `layer`'s module `target` in a GPT2LMHeadModel.
    static func moduleName(layer: Int, target: LoRATarget) -> String {
        "transformer.h.\(layer).\(target.module)"
    }

    /// Every module of GPT2LMHeadModel that LoRA could be put on but lmlab does not adapt.
    static func otherModules(layers: Int) -> [String] {
        ["transformer.wte", "transformer.wpe", "transformer.ln_f", "lm_head"]
            + (0..<layers).flatMap { i in
                ["ln_1", "ln_2", "attn", "mlp"].map { "transformer.h.\(i).\($0)" }
            }
    }

    /// PEFT's check_target_module_exists for one module name: excluded modules never match; a
    /// regex must match the whole name; a list entry matches the name itself, or a ".entry"
    /// suffix — and then only in the layers layers_to_transform keeps.
    func targets(_ name: String) -> Bool {
        if let excluded = excludeModules {
            switch excluded {
            case .names(let names):
                if names.contains(where: { name == $0 || name.hasSuffix("." + $0) }) { return false }
            case .regex(let pattern):
                if fullMatch(pattern, name) { return false }
            }
        }
        switch targetModules {
        case .regex(let pattern):
            return fullMatch(pattern, name)
        case .names(let names):
            if names.contains(name) { return true }
            guard names.contains(where: { name.hasSuffix("." + $0) }) else { return false }
            guard let layersToTransform, !layersToTransform.isEmpty else { return true }
            return layerIndex(name).map { layersToTransform.contains($0) } ?? false
        }
    }

    /// The layer index PEFT reads from a module name: the number after the first ".X." (or
    /// after a layers_pattern entry), e.g. 0 in transformer.h.0.attn.c_attn.
    func layerIndex(_ name: String) -> Int? {
        let patterns = (layersPattern ?? []).isEmpty
            ? [#".*?\.[^.]*\.(\d+)\."#]
            : (layersPattern ?? []).map { #"(?:^|.*?\.)"# + $0 + #"\.(\d+)\."# }
        for pattern in patterns {
            guard let regex = try? NSRegularExpression(pattern: "^(?:" + pattern + ")"),
                let match = regex.firstMatch(in: name, range: NSRange(name.startIndex..., in: name)),
                let range = Range(match.range(at: 1), in: name)
            else { continue }
            return Int(name[range])
        }
        return nil
    }

    /// The adapted modules of a model with `config`'s blocks, with their ranks and scalings.
    /// Throws when target_modules names a module lmlab does not adapt, when nothing matches,
    /// or when a rank_pattern / alpha_pattern key matches no adapted module.
    func modules(for config: GPT2Config) throws -> [Module] {
        for name in Self.otherModules(layers: config.nLayer) where targets(name) {
            throw TrainingError.badAdapterConfig(
                key: "target_modules",
                reason: "selects \(name), which lmlab does not adapt; it adapts "
                    + LoRATarget.allCases.map(\.rawValue).joined(separator: ", ")
                    + " (c_proj selects both projections)", file: file)
        }
        var out: [Module] = []
        var usedRank = Set<String>()
        var usedAlpha = Set<String>()
        for layer in 0..<config.nLayer {
            for target in LoRATarget.allCases {
                let name = Self.moduleName(layer: layer, target: target)
                guard targets(name) else { continue }
                // PEFT's get_pattern_key: the first key k with re.match(rf"(.*\.)?({k})$", name).
                let r = try patternMatch(rankPattern.map(\.pattern), "rank_pattern", name)
                    .map { i in rankPattern[i] }
                let a = try patternMatch(alphaPattern.map(\.pattern), "alpha_pattern", name)
                    .map { i in alphaPattern[i] }
                if let r { usedRank.insert(r.pattern) }
                if let a { usedAlpha.insert(a.pattern) }
                let rank = r?.value ?? self.rank
                let alpha = a?.value ?? self.alpha
                let scaling = useRslora ? alpha / Float(rank).squareRoot() : alpha / Float(rank)
                out.append(
                    Module(layer: layer, target: target, rank: rank, alpha: alpha, scaling: scaling))
            }
        }
        guard !out.isEmpty else {
            let what: String
            switch targetModules {
            case .names(let names): what = names.joined(separator: ", ")
            case .regex(let pattern): what = "the regex \(pattern)"
            }
            throw TrainingError.badAdapterConfig(
                key: layersToTransform == nil ? "target_modules" : "layers_to_transform",
                reason: "selects no module of the base model (\(what)"
                    + (layersToTransform.map { " in layers \($0)" } ?? "") + "); GPT-2's are "
                    + "transformer.h.{i}.attn.c_attn, .attn.c_proj, .mlp.c_fc and .mlp.c_proj",
                file: file)
        }
        for (key, patterns, used) in [
            ("rank_pattern", rankPattern.map(\.pattern), usedRank),
            ("alpha_pattern", alphaPattern.map(\.pattern), usedAlpha),
        ] {
            if let unused = patterns.first(where: { !used.contains($0) }) {
                throw TrainingError.badAdapterConfig(
                    key: "\(key).\(unused)",
                    reason: "names no adapted module; check the pattern against module names "
                        + "such as \(Self.moduleName(layer: 0, target: .cAttn))", file: file)
            }
        }
        return out
    }
}

extension PEFTAdapterConfig {
    /// The index of the pattern PEFT's get_pattern_key picks for module `name`: the key k with
    /// re.match(rf"(.*\.)?({k})$", name). PEFT takes the first in the file's order, which JSON
    /// decoding does not keep, so two keys matching one module are refused.
    func patternMatch(_ patterns: [String], _ key: String, _ name: String) throws -> Int? {
        let hits = patterns.indices.filter { fullMatch("(.*\\.)?(\(patterns[$0]))", name) }
        guard hits.count <= 1 else {
            throw TrainingError.badAdapterConfig(
                key: key,
                reason: "has keys \(hits.map { patterns[$0] }.joined(separator: " and ")) that "
                    + "both match \(name); keep one per module", file: file)
        }
        return hits.first
    }
}

/// Python's re.fullmatch(pattern, name) for the patterns PEFT configs use.
func fullMatch(_ pattern: String, _ name: String) -> Bool {
    guard let regex = try? NSRegularExpression(pattern: "^(?:\(pattern))$") else { return false }
    let range = NSRange(name.startIndex..., in: name)
    return regex.firstMatch(in: name, range: range) != nil
}
