// Decode speed at batch 1, fp32 reference against quantized schemes, on a random model of a
// given shape (GPT-2 small's by default). Decoding reads every weight once per token, so fewer
// bytes per weight should mean fewer milliseconds per token. `lmlab bench quant` prints it.
import Foundation
import Tensors
import Transformer

/// One scheme's decode timing.
public struct QuantBenchmarkEntry: Sendable, Codable, Equatable {
    public var scheme: QuantScheme
    /// Median milliseconds per decoded token (robust to a busy machine).
    public var msPerToken: Double
    /// Mean milliseconds per decoded token.
    public var meanMsPerToken: Double
    /// Bits per weight of the block linear layers (32 for fp32).
    public var bitsPerWeight: Double
    /// Bytes of the block linear layers' weights.
    public var linearWeightBytes: Int
    /// fp32's median ms/token divided by this scheme's (above 1 = faster than fp32).
    public var speedupOverFP32: Double
}

/// The whole benchmark: the shape it ran on and one entry per scheme (fp32 first).
public struct QuantBenchmark: Sendable, Codable, Equatable {
    public var config: GPT2Config
    public var tokens: Int
    /// How the quantized models kept wte / the tied head (the fp32 reference keeps fp32).
    public var embeddings: QuantScheme
    public var entries: [QuantBenchmarkEntry]

    /// A plain-text table, one row per scheme.
    public var table: String {
        var lines = [
            "batch-1 decode, \(tokens) tokens; quantized models keep wte (tied head) in "
                + "\(embeddings.rawValue)",
            "scheme         bits/w   linear MB   ms/token (median, mean)   vs fp32",
        ]
        for e in entries {
            let mb = Double(e.linearWeightBytes) / 1_000_000
            lines.append(
                e.scheme.rawValue.padding(toLength: 13, withPad: " ", startingAt: 0)
                    + String(
                        format: "%7.2f  %10.1f   %8.2f  %8.2f            %5.2fx",
                        e.bitsPerWeight, mb, e.msPerToken, e.meanMsPerToken, e.speedupOverFP32))
        }
        return lines.joined(separator: "\n")
    }
}

/// GPT-2 small's shape (124M parameters): 12 layers, 12 heads, C = 768, V = 50257, 1024 positions.
public func gpt2SmallConfig() -> GPT2Config {
    // These constants are valid, so the validating initialiser cannot throw.
    guard
        let config = try? GPT2Config(
            vocabSize: 50257, nPositions: 1024, nEmbd: 768, nLayer: 12, nHead: 12)
    else { preconditionFailure("GPT-2 small's configuration failed validation") }
    return config
}

/// Decodes `tokens` tokens greedily at batch 1 (after two warm-up tokens) on a random model of
/// shape `config`, with the fp32 reference (`GPT2Model` + `KVCache`) and with each of `schemes`
/// (`QuantizedGPT2` + `QuantizedKVCache`; wte — also the tied head, read whole every token — in
/// `embeddings`: fp16 by default, fp32 to isolate the block weights), and reports ms/token.
/// fp32 is always measured, as the baseline. The models take turns token by token, so a busy machine slows all
/// of them alike; each entry is the median over its tokens. Throws if a scheme cannot store the
/// model (e.g. n_embd not a multiple of 32).
public func quantDecodeBenchmark(
    config: GPT2Config = gpt2SmallConfig(), schemes: [QuantScheme] = [.q8_0, .q4_0],
    tokens: Int = 32, seed: UInt64 = 0, embeddings: QuantScheme = .fp16
) throws -> QuantBenchmark {
    let steps = max(1, min(tokens, config.nPositions - 2))
    let model = GPT2Model.randomInit(config, seed: seed)
    let linearCount = model.weights.blocks.reduce(0) {
        $0 + $1.attention.cAttnWeight.count + $1.attention.cProjWeight.count
            + $1.mlp.cFcWeight.count + $1.mlp.cProjWeight.count
    }
    var fp32Cache = KVCache(config: config, capacity: steps + 2)
    var fp32Token = 0
    var decoders: [() throws -> Void] = [
        {
            fp32Token = argmax(try model.decode(token: fp32Token, cache: &fp32Cache).data)
        }
    ]
    var sizes = [(bits: 32.0, bytes: linearCount * 4)]
    let measured = [QuantScheme.fp32] + schemes.filter { $0 != .fp32 }
    for scheme in measured.dropFirst() {
        let quantized = try QuantizedGPT2(model, scheme: scheme, embeddings: embeddings)
        var cache = QuantizedKVCache(config: config, capacity: steps + 2)
        var token = 0
        decoders.append {
            token = argmax(try quantized.decode(token: token, cache: &cache).data)
        }
        sizes.append((quantized.bitsPerWeight, quantized.quantizedWeightBytes))
    }
    var times = [[Double]](repeating: [], count: decoders.count)
    let clock = ContinuousClock()
    for step in 0..<(steps + 2) {
        for (i, decode) in decoders.enumerated() {
            let elapsed = try clock.measure(decode)
            if step >= 2 {  // two warm-up tokens
                times[i].append(
                    Double(elapsed.components.seconds) * 1000
                        + Double(elapsed.components.attoseconds) * 1e-15)
            }
        }
    }
    let baseline = median(times[0])
    let entries = measured.enumerated().map { i, scheme in
        let m = median(times[i])
        return QuantBenchmarkEntry(
            scheme: scheme, msPerToken: m,
            meanMsPerToken: times[i].reduce(0, +) / Double(times[i].count),
            bitsPerWeight: sizes[i].bits, linearWeightBytes: sizes[i].bytes,
            speedupOverFP32: baseline / max(m, 1e-9))
    }
    return QuantBenchmark(config: config, tokens: steps, embeddings: embeddings, entries: entries)
}

private func median(_ values: [Double]) -> Double {
    let s = values.sorted()
    guard !s.isEmpty else { return 0 }
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}
