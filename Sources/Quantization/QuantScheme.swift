// The weight formats a linear layer can be stored in, with their nominal storage cost.
// Every scheme here rounds deterministically so a NumPy oracle can reproduce it bit for bit.

/// How one weight matrix is stored.
///
/// - `fp32`: the reference, unchanged.
/// - `fp16`, `bf16`: IEEE half / bfloat16, round to nearest even (Tensors' HalfFloat).
/// - `int8`: symmetric per tensor, scale = absmax / 127, q = round(x / scale) rounding half to
///   EVEN (as `np.round`), clamped to [-127, 127]; dequant q · scale. Scale is fp32.
/// - `int8Channel`: the same with one fp32 scale per OUTPUT channel. GPT-2's Conv1D weights are
///   [in, out], so an output channel is a COLUMN of the stored matrix.
/// - `q8_0`, `q4_0`: ggml's block formats (quantize_row_q8_0_ref / quantize_row_q4_0_ref):
///   blocks of 32 consecutive weights along the INPUT dimension of one output row, one fp16
///   scale per block. Q8_0 rounds half AWAY from zero (C `roundf`), as ggml does.
public enum QuantScheme: String, CaseIterable, Sendable, Codable {
    case fp32
    case fp16
    case bf16
    case int8
    case int8Channel = "int8-channel"
    case q8_0
    case q4_0

    /// Weights per block for the ggml block formats (QK8_0 = QK4_0 = 32).
    public static let blockSize = 32

    /// Nominal bits per weight for a large matrix (per-tensor/per-channel scales amortised).
    /// The exact figure for a given matrix is `QuantizedMatrix.bitsPerWeight`.
    public var nominalBitsPerWeight: Double {
        switch self {
        case .fp32: return 32
        case .fp16, .bf16: return 16
        case .int8, .int8Channel: return 8
        case .q8_0: return 8.5  // 32 int8 codes + one fp16 scale = 34 bytes per 32 weights
        case .q4_0: return 4.5  // 32 nibbles + one fp16 scale = 18 bytes per 32 weights
        }
    }

    /// Whether the input dimension must be a multiple of `blockSize`.
    public var isBlockFormat: Bool { self == .q8_0 || self == .q4_0 }

    /// Bytes of one block of `blockSize` weights in a block format: the codes (one byte each
    /// for Q8_0, a nibble each for Q4_0) and one fp16 scale; nil for the other schemes.
    public var bytesPerBlock: Int? {
        switch self {
        case .q8_0: return Self.blockSize + 2  // 34
        case .q4_0: return Self.blockSize / 2 + 2  // 18
        default: return nil
        }
    }

    /// Bytes of an [outputs, inputs] matrix stored in this scheme, codes and scales, as
    /// `QuantizedMatrix.byteCount` counts them for a quantized matrix: int8 has one fp32 scale,
    /// int8-channel one per output row. nil when a block format cannot store it (`inputs` not a
    /// multiple of `blockSize`).
    public func byteCount(outputs: Int, inputs: Int) -> Int? {
        let n = outputs * inputs
        switch self {
        case .fp32: return n * 4
        case .fp16, .bf16: return n * 2
        case .int8: return n + 4
        case .int8Channel: return n + outputs * 4
        case .q8_0, .q4_0:
            guard inputs % Self.blockSize == 0, let block = bytesPerBlock else { return nil }
            return n / Self.blockSize * block
        }
    }
}
