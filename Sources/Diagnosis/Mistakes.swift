// A catalogued mistake and the knobs its outputs are computed with. The catalogue itself lives
// with the components, one family per file (Families/), collected by Families/Registry.swift;
// Diagnose matches a failing answer against the mistakes' outputs.
import Tensors
import Transformer

/// Every knob of the built-in components' maths; `Knobs()` is the correct computation, so a
/// component's call with `Knobs()` is its reference. Each family reads its own knobs.
struct Knobs: Sendable {
    /// Softmax and attention (AttentionFamily.swift): the Transformer's own knobs.
    var attention = MultiHeadVariant()
    /// The softmax component normalises over this axis instead of the requested one.
    var softmaxAxis: Int?
    /// GPT-2's blocks and forward (BlocksFamily.swift, GPT2ModelFamily.swift).
    var gpt2 = GPT2Variant()
    /// The MLP's activation: GPT-2's tanh GELU, or the one a student used instead.
    var activation = Activation.geluTanh
    /// The output head is the params' own lm_head.weight, not tied to wte.
    var untiedHead = false
    var crossEntropySum = false
    /// The tokenizer (BPEFamily.swift).
    var bpe = BPEVariant()
    /// bytes_to_unicode returns the identity table {b: chr(b)}.
    var identityByteTable = false
    /// Lab 05's LoRA knobs (LoRAFamily.swift).
    var lora = LoRAVariant()
    /// Lab 06's quantization knobs (QuantizationFamily.swift).
    var quant = QuantVariant()
    /// Lab 07's LLaMA knobs (LlamaFamily.swift).
    var llama = LlamaKnobs()
}

/// Knobs with one change made.
func knobs(_ change: (inout Knobs) -> Void) -> Knobs {
    var k = Knobs()
    change(&k)
    return k
}

/// A mistake written one way: the same knobs whatever the component and case.
func one(_ change: @escaping @Sendable (inout Knobs) -> Void)
    -> @Sendable (String, CaseArguments) -> [Knobs]
{
    { _, _ in [knobs(change)] }
}

/// One catalogued mistake.
public struct Mistake: Sendable {
    public let id: String
    public let title: String
    /// The components (Python function names) whose output can show this mistake.
    public let components: [String]
    /// What to look at, in the lecture's words.
    public let hint: String
    /// Recognised by its signature (NaN/inf where the reference is finite) rather than by value.
    public let nonFiniteSignature: Bool
    /// The knob settings that produce the mistake (several when students write it several ways).
    let variants: @Sendable (_ component: String, _ args: CaseArguments) -> [Knobs]
    /// Recognises the mistake from the exception it makes the student's code raise, if any.
    public var errorSignature: (@Sendable (_ component: String, _ type: String, _ message: String) -> Bool)? = nil
    /// An instructor's mistake from mistakes.py: its output, computed in the instructor's
    /// session (InstructorCode.swift), instead of knobs.
    var pythonOutput: (@Sendable (_ component: String, _ args: CaseArguments) -> GradedValue?)? = nil

    /// A built-in mistake: its outputs are the family's maths under `variants`' knobs.
    init(
        id: String, title: String, components: [String], hint: String,
        nonFiniteSignature: Bool, variants: @escaping @Sendable (String, CaseArguments) -> [Knobs],
        errorSignature: (@Sendable (String, String, String) -> Bool)? = nil
    ) {
        (self.id, self.title, self.components, self.hint) = (id, title, components, hint)
        self.nonFiniteSignature = nonFiniteSignature
        self.variants = variants
        self.errorSignature = errorSignature
    }

    /// An instructor's mistake (mistakes.py): `output` computes it in the instructor's session.
    public init(
        pythonID id: String, title: String, component: String, hint: String,
        output: @escaping @Sendable (_ component: String, _ args: CaseArguments) -> GradedValue?
    ) {
        (self.id, self.title, self.components, self.hint) = (id, title, [component], hint)
        nonFiniteSignature = false
        variants = { _, _ in [] }
        pythonOutput = output
    }

    /// The mistake's outputs for a component on a case (empty if it does not apply).
    public func outputs(component: String, args: CaseArguments) -> [GradedValue] {
        guard components.contains(component) else { return [] }
        if let pythonOutput { return pythonOutput(component, args).map { [$0] } ?? [] }
        var outputs: [GradedValue] = []
        for knobs in variants(component, args) {
            guard let output = try? evaluate(component, args, knobs) else { continue }
            if !outputs.contains(output) { outputs.append(output) }
        }
        return outputs
    }
}
