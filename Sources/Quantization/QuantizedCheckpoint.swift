// Saving and loading a QuantizedGPT2 as one safetensors file: codes as I8/U8 (or F16/BF16/F32),
// ggml block scales as F16 bits, int8 scales as F32; the scheme and config in the metadata.
// Linear weights are stored in the model's row layout [out, in] (rows = output channels, the
// transpose of Hugging Face's Conv1D [in, out]); `layout` in the metadata says so.
import Foundation
import Tensors
import Transformer

extension QuantizedGPT2 {
    static let fileFormat = "lmlab-quantized-gpt2"

    /// Writes the model to `url` (one .safetensors file).
    public func save(to url: URL) throws {
        var entries = [
            try Self.entry("wte.weight", head.weight, shape: [config.vocabSize, config.nEmbd]),
            SafeTensorsEntry(name: "wpe.weight", tensor: wpe),
            SafeTensorsEntry(name: "ln_f.weight", tensor: lnFWeight),
            SafeTensorsEntry(name: "ln_f.bias", tensor: lnFBias),
        ]
        for (i, b) in blocks.enumerated() {
            let h = "h.\(i)."
            entries += [
                SafeTensorsEntry(name: h + "ln_1.weight", tensor: b.ln1Weight),
                SafeTensorsEntry(name: h + "ln_1.bias", tensor: b.ln1Bias),
                SafeTensorsEntry(name: h + "ln_2.weight", tensor: b.ln2Weight),
                SafeTensorsEntry(name: h + "ln_2.bias", tensor: b.ln2Bias),
            ]
            for (name, layer) in b.linears {
                let m = layer.weight
                entries.append(
                    try Self.entry(h + name + ".weight", m, shape: [m.outputs, m.inputs]))
                if let scales = Self.scaleEntry(h + name + ".weight_scale", m) {
                    entries.append(scales)
                }
                if let bias = layer.bias {
                    entries.append(SafeTensorsEntry(name: h + name + ".bias", tensor: bias))
                }
            }
        }
        let configJSON = String(decoding: try JSONEncoder().encode(config), as: UTF8.self)
        try SafeTensors.write(
            entries,
            metadata: [
                "format": Self.fileFormat, "scheme": scheme.rawValue,
                "embeddings": embeddingScheme.rawValue, "config": configJSON,
                "layout": "linear weights [out, in]; ggml blocks of 32 along in",
            ], to: url)
    }

    /// Reads a model written by `save(to:)`; throws naming the file and the tensor at fault.
    public static func load(from url: URL) throws -> QuantizedGPT2 {
        let file = try SafeTensorsFile(contentsOf: url)
        let path = url.path
        func bad(_ reason: String) -> QuantizationError {
            .badQuantizedFile(file: path, reason: reason)
        }
        guard file.metadata["format"] == fileFormat else {
            throw bad(
                "metadata has no format \"\(fileFormat)\"; was it written by QuantizedGPT2.save?")
        }
        guard let schemeName = file.metadata["scheme"],
            let scheme = QuantScheme(rawValue: schemeName),
            let embeddingName = file.metadata["embeddings"],
            let embeddings = QuantScheme(rawValue: embeddingName),
            embeddings == .fp32 || embeddings == .fp16
        else { throw bad("metadata scheme/embeddings are missing or unknown") }
        guard let configJSON = file.metadata["config"] else { throw bad("metadata has no config") }
        let config = try JSONDecoder().decode(GPT2Config.self, from: Data(configJSON.utf8))
        let (c, v) = (config.nEmbd, config.vocabSize)

        func vector(_ name: String, _ shape: [Int]) throws -> Tensor {
            let t = try file.tensor(name)
            guard t.shape == shape else { throw bad("\(name) is \(t.shape), expected \(shape)") }
            return t
        }
        func matrix(_ name: String, _ scheme: QuantScheme, outputs: Int, inputs: Int) throws
            -> QuantizedMatrix
        {
            let storage: QuantizedStorage
            switch scheme {
            case .fp32:
                storage = .float32(try read(file, name, .F32, [outputs, inputs], as: Float.self))
            case .fp16, .bf16:
                let dtype: SafeTensorsDType = scheme == .fp16 ? .F16 : .BF16
                storage = .half(try read(file, name, dtype, [outputs, inputs], as: UInt16.self))
            case .int8, .int8Channel:
                storage = .int8(
                    codes: try read(file, name, .I8, [outputs, inputs], as: Int8.self),
                    scales: try read(
                        file, name + "_scale", .F32, [scheme == .int8 ? 1 : outputs], as: Float.self
                    ))
            case .q8_0:
                storage = .q8_0(
                    codes: try read(file, name, .I8, [outputs, inputs], as: Int8.self),
                    scales: try read(
                        file, name + "_scale", .F16, [outputs, inputs / 32], as: UInt16.self))
            case .q4_0:
                storage = .q4_0(
                    nibbles: try read(file, name, .U8, [outputs, inputs / 2], as: UInt8.self),
                    scales: try read(
                        file, name + "_scale", .F16, [outputs, inputs / 32], as: UInt16.self))
            }
            return QuantizedMatrix(
                scheme: scheme, outputs: outputs, inputs: inputs, storage: storage)
        }
        if scheme.isBlockFormat && c % QuantScheme.blockSize != 0 {
            throw QuantizationError.notBlockAligned(tensor: "n_embd", inputs: c, scheme: scheme)
        }
        var blocks: [QuantizedBlock] = []
        for i in 0..<config.nLayer {
            let h = "h.\(i)."
            func linear(_ name: String, _ nIn: Int, _ nOut: Int) throws -> QuantizedLinear {
                QuantizedLinear(
                    weight: try matrix(h + name + ".weight", scheme, outputs: nOut, inputs: nIn),
                    bias: try vector(h + name + ".bias", [nOut]))
            }
            blocks.append(
                QuantizedBlock(
                    ln1Weight: try vector(h + "ln_1.weight", [c]),
                    ln1Bias: try vector(h + "ln_1.bias", [c]),
                    cAttn: try linear("attn.c_attn", c, 3 * c),
                    attnProj: try linear("attn.c_proj", c, c),
                    ln2Weight: try vector(h + "ln_2.weight", [c]),
                    ln2Bias: try vector(h + "ln_2.bias", [c]),
                    cFc: try linear("mlp.c_fc", c, 4 * c),
                    mlpProj: try linear("mlp.c_proj", 4 * c, c)))
        }
        return QuantizedGPT2(
            config: config, scheme: scheme, embeddingScheme: embeddings,
            head: QuantizedLinear(
                weight: try matrix("wte.weight", embeddings, outputs: v, inputs: c), bias: nil),
            wpe: try vector("wpe.weight", [config.nPositions, c]), blocks: blocks,
            lnFWeight: try vector("ln_f.weight", [c]), lnFBias: try vector("ln_f.bias", [c]))
    }

    /// The codes of `m` as one entry (I8, U8, F16, BF16 or F32 by scheme).
    static func entry(_ name: String, _ m: QuantizedMatrix, shape: [Int]) throws -> SafeTensorsEntry
    {
        switch m.storage {
        case .float32(let v):
            return SafeTensorsEntry(name: name, dtype: .F32, shape: shape, bytes: bytes(v))
        case .half(let h):
            return SafeTensorsEntry(
                name: name, dtype: m.scheme == .bf16 ? .BF16 : .F16, shape: shape, bytes: bytes(h))
        case .int8(let c, _), .q8_0(let c, _):
            return SafeTensorsEntry(name: name, dtype: .I8, shape: shape, bytes: bytes(c))
        case .q4_0(let q, _):
            return SafeTensorsEntry(
                name: name, dtype: .U8, shape: [m.outputs, m.inputs / 2], bytes: bytes(q))
        }
    }

    /// The scales of `m` (F32 for int8, F16 bits for the ggml blocks), or nil if it has none.
    static func scaleEntry(_ name: String, _ m: QuantizedMatrix) -> SafeTensorsEntry? {
        switch m.storage {
        case .float32, .half: return nil
        case .int8(_, let s):
            return SafeTensorsEntry(name: name, dtype: .F32, shape: [s.count], bytes: bytes(s))
        case .q8_0(_, let s), .q4_0(_, let s):
            return SafeTensorsEntry(
                name: name, dtype: .F16, shape: [m.outputs, m.inputs / QuantScheme.blockSize],
                bytes: bytes(s))
        }
    }
}

/// The raw bytes of an array (little-endian on every platform lmlab runs on).
private func bytes<T>(_ values: [T]) -> Data { values.withUnsafeBytes { Data($0) } }

/// Tensor `name` as raw values of type T, after checking its dtype and shape.
private func read<T>(
    _ file: SafeTensorsFile, _ name: String, _ dtype: SafeTensorsDType, _ shape: [Int], as: T.Type
) throws -> [T] {
    guard let info = file.info(name) else {
        throw SafeTensorsError.missingTensor(file: file.path, tensor: name, available: file.names)
    }
    guard info.dtype == dtype, info.shape == shape else {
        throw QuantizationError.badQuantizedFile(
            file: file.path,
            reason:
                "\(name) is \(info.dtype.rawValue) \(info.shape), "
                + "expected \(dtype.rawValue) \(shape)"
        )
    }
    let data = try file.rawBytes(name)
    let count = shape.reduce(1, *)
    var out = [T]()
    out.reserveCapacity(count)
    data.withUnsafeBytes { raw in
        for i in 0..<count {
            out.append(raw.loadUnaligned(fromByteOffset: i * MemoryLayout<T>.stride, as: T.self))
        }
    }
    return out
}

extension QuantizedGPT2 {
    /// Writes what the quantization computed, for checking it from outside: `folder`/
    /// quantized.safetensors (`save(to:)`: codes, scales, the rest of the model) and
    /// `folder`/dequantized.safetensors (each linear weight dequantized, F32, under its Hugging
    /// Face name in Conv1D layout [in, out], so it compares with model.safetensors directly).
    public func dump(to folder: URL) throws {
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw QuantizationError.badQuantizedFile(
                file: folder.path, reason: "cannot create the folder: \(error)")
        }
        try save(to: folder.appendingPathComponent("quantized.safetensors"))
        var entries: [SafeTensorsEntry] = []
        for (i, b) in blocks.enumerated() {
            for (name, layer) in b.linears {
                let weight = layer.weight.dequantized()  // [in, out]
                entries.append(SafeTensorsEntry(name: "h.\(i).\(name).weight", tensor: weight))
            }
        }
        try SafeTensors.write(
            entries, metadata: ["format": "pt", "scheme": scheme.rawValue],
            to: folder.appendingPathComponent("dequantized.safetensors"))
    }
}
