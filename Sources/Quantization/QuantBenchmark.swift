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
    public var entries: [QuantBenchmarkEntry]

    /// A plain-text table, one row per scheme.
    public var table: String {
        var lines = ["scheme         bits/w   linear MB   ms/token (median, mean)   vs fp32"]
        for e in entries {
            let mb = Double(e.linearWeightBytes) / 1_000_000
            lines.append(
                e.scheme.rawValue.padding(toLength: 13, withPad: " ", startingAt: 0)
                    + String(format: "%7.2f  %10.1f   %8.2f  %8.2f            %5.2fx",
                        e.bitsPerWeight, mb, e.msPerToken, e.meanMsPerToken, e.speedupOverFP32))
        }
        return lines.joined(separator: "\n")
    }
}

/// GPT-2 small's shape (124M parameters): 12 layers, 12 heads, C = 768, V = 50257, 1024 positions.
public func gpt2SmallConfig() -> GPT2Config {
    // These constants are valid, so the validating initialiser cannot throw.
    guard let config = try? GPT2Config(
        vocabSize: 50257, nPositions: 1024, nEmbd: 768, nLayer: 12, nHead: 12)
    else { preconditionFailure("GPT-2 small's configuration failed validation") }
    return config
}

/// Decodes `tokens` tokens greedily at batch 1 (after two warm-up tokens) on a random model of
/// shape `config`, with the fp32 reference (`GPT2Model` + `KVCache`) and with each of `schemes`
/// (`QuantizedGPT2` + `QuantizedKVCache`), and reports ms/token. fp32 is always measured, as
/// the baseline. Throws if a scheme cannot store the model (e.g. n_embd not a multiple of 32).
public func quantDecodeBenchmark(
    config: GPT2Config = gpt2SmallConfig(), schemes: [QuantScheme] = [.q8_0, .q4_0],
    tokens: Int = 32, seed: UInt64 = 0
) throws -> QuantBenchmark {
    let steps = max(1, min(tokens, config.nPositions - 2))
    let model = GPT2Model.randomInit(config, seed: seed)
    let linearCount = model.weights.blocks.reduce(0) {
        $0 + $1.attention.cAttnWeight.count + $1.attention.cProjWeight.count
            + $1.mlp.cFcWeight.count + $1.mlp.cProjWeight.count
    }
    let fp32Times = try timeDecode(steps) { token, cache in
        argmax(try model.decode(token: token, cache: &cache).data)
    } makeCache: {
        KVCache(config: config, capacity: steps + 2)
    }
    var entries = [
        entry(.fp32, fp32Times, bits: 32, bytes: linearCount * 4, baseline: median(fp32Times))
    ]
    for scheme in schemes where scheme != .fp32 {
        let quantized = try QuantizedGPT2(model, scheme: scheme)
        let times = try timeDecode(steps) { token, cache in
            argmax(try quantized.decode(token: token, cache: &cache).data)
        } makeCache: {
            QuantizedKVCache(config: config, capacity: steps + 2)
        }
        entries.append(
            entry(
                scheme, times, bits: quantized.bitsPerWeight,
                bytes: quantized.quantizedWeightBytes, baseline: median(fp32Times)))
    }
    return QuantBenchmark(config: config, tokens: steps, entries: entries)
}

private func entry(
    _ scheme: QuantScheme, _ times: [Double], bits: Double, bytes: Int, baseline: Double
) -> QuantBenchmarkEntry {
    let m = median(times)
    return QuantBenchmarkEntry(
        scheme: scheme, msPerToken: m, meanMsPerToken: times.reduce(0, +) / Double(times.count),
        bitsPerWeight: bits, linearWeightBytes: bytes, speedupOverFP32: baseline / max(m, 1e-9))
}

/// Milliseconds of each of `steps` greedy decode steps, after two untimed warm-up steps.
private func timeDecode<Cache>(
    _ steps: Int, step: (Int, inout Cache) throws -> Int, makeCache: () -> Cache
) throws -> [Double] {
    var cache = makeCache()
    var token = 0
    for _ in 0..<2 { token = try step(token, &cache) }
    let clock = ContinuousClock()
    var times: [Double] = []
    for _ in 0..<steps {
        let elapsed = try clock.measure { token = try step(token, &cache) }
        times.append(
            Double(elapsed.components.seconds) * 1000
                + Double(elapsed.components.attoseconds) * 1e-15)
    }
    return times
}

private func median(_ values: [Double]) -> Double {
    let s = values.sorted()
    guard !s.isEmpty else { return 0 }
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}
