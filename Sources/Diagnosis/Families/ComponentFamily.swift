// A family of built-in components: each component's call (with `Knobs()` it is the reference,
// with a knob turned it is a catalogued mistake's output) and the family's mistakes, with their
// titles and hints. One family per file beside this one; Registry.swift collects them.

import Tensors

extension GradedValue {
    /// A float tensor's value, as every tensor-valued component returns it.
    static func tensor(_ t: Tensor) -> GradedValue { .floats(t.data, shape: t.shape) }
}

/// A component's reference: its expected value on a case's arguments.
public typealias Reference = @Sendable (CaseArguments) throws -> GradedValue

/// A component's output under `Knobs`, or nil where the catalogue does not model it (or a
/// student's code would have raised, e.g. a token missing from the vocabulary).
typealias ComponentCall = @Sendable (_ args: CaseArguments, _ knobs: Knobs) throws -> GradedValue?

/// One built-in component: the Python function name lab.toml uses, and its call.
struct Component: Sendable {
    let name: String
    let call: ComponentCall
}

/// One family: its components in the handout's order and its catalogued mistakes.
struct ComponentFamily: Sendable {
    /// The family's name in the lecture's words ("LoRA", "quantization"), used in messages.
    let name: String
    /// Families whose maths this one runs (the model runs the blocks): their mistakes may list
    /// this family's components, as layer norm's show in GPT-2's forward.
    let buildsOn: [String]
    let components: [Component]
    let mistakes: [Mistake]

    init(name: String, buildsOn: [String] = [], components: [Component], mistakes: [Mistake]) {
        self.name = name
        self.buildsOn = buildsOn
        self.components = components
        self.mistakes = mistakes
    }

    var componentNames: [String] { components.map(\.name) }
}
