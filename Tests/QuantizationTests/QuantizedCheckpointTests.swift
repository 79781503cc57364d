// Saving and loading a quantized model: a round trip keeps every code and logit, and the file
// read by the reference safetensors library dequantizes (in NumPy) to the same weights.
import Foundation
import Tensors
import TestSupport
import Testing
import Transformer

@testable import Quantization

private struct CheckpointOracle: Decodable {
    var metadata: [String: String]
    var dtype: String
    var shape: [Int]
    var dequant: [UInt32]
}

@Test(arguments: QuantScheme.allCases)
func savedModelLoadsIdentically(scheme: QuantScheme) throws {
    let model = try smallModel()
    let q = try QuantizedGPT2(model, scheme: scheme)
    let folder = try makeScratchDirectory("lmlab-quant")
    defer { try? FileManager.default.removeItem(at: folder) }
    let url = folder.appendingPathComponent("model.safetensors")
    try q.save(to: url)
    let loaded = try QuantizedGPT2.load(from: url)
    #expect(loaded.scheme == scheme && loaded.embeddingScheme == q.embeddingScheme)
    #expect(loaded.config == q.config)
    #expect(loaded.blocks == q.blocks && loaded.head == q.head && loaded.wpe == q.wpe)
    let ids = [1, 5, 9, 2]
    #expect(try loaded.forward(ids) == q.forward(ids))

    // The reference reader sees the documented dtypes and dequantizes to the same weights.
    // (NumPy has no bfloat16, so safetensors.numpy cannot read a bf16 file.)
    guard scheme != .bf16 else { return }
    let out = try runOracle("quant_checkpoint.py", [url.path, "h.1.mlp.c_fc.weight"])
    let oracle = try JSONDecoder().decode(CheckpointOracle.self, from: out)
    let expectedDType = [
        QuantScheme.fp32: "float32", .fp16: "float16", .bf16: "bfloat16", .int8: "int8",
        .int8Channel: "int8", .q8_0: "int8", .q4_0: "uint8",
    ][scheme]
    #expect(oracle.metadata["scheme"] == scheme.rawValue)
    #expect(oracle.dtype == expectedDType)
    let deq = q.blocks[1].cFc.weight.dequantized()
    let mismatches = zip(deq.data.map(\.bitPattern), oracle.dequant).filter { $0 != $1 }.count
    #expect(
        oracle.dequant.count == deq.count && mismatches == 0,
        "\(scheme): \(mismatches) weights differ between the file and the model")
}

@Test func loadingRejectsAForeignFile() throws {
    let folder = try makeScratchDirectory("lmlab-quant")
    defer { try? FileManager.default.removeItem(at: folder) }
    let url = folder.appendingPathComponent("plain.safetensors")
    try SafeTensors.write([SafeTensorsEntry(name: "x", tensor: Tensor(zeros: [2]))], to: url)
    #expect(throws: QuantizationError.self) { try QuantizedGPT2.load(from: url) }
}
