// The registry of built-in component families: which family serves a component, the references
// and the mistake catalogue collected from them, and `evaluate` dispatching to the family.
// Adding a built-in component touches its family's file and the lab's lab.toml only.

/// Every built-in family, in the course's order. Component and mistake ids are unique across
/// them (FamilyRegistryTests).
let componentFamilies: [ComponentFamily] = [
    attentionFamily, blocksFamily, gpt2ModelFamily, generationFamily, bpeFamily, loraFamily,
    quantizationFamily, llamaFamily,
]

/// Component name → its call (the first family naming it; duplicates are a test failure).
private let componentCalls: [String: ComponentCall] = {
    var calls: [String: ComponentCall] = [:]
    for family in componentFamilies {
        for component in family.components where calls[component.name] == nil {
            calls[component.name] = component.call
        }
    }
    return calls
}()

/// A component's output under `knobs`, or nil where the catalogue does not model it (or a
/// student's code would have raised, e.g. a token missing from the vocabulary), or for a
/// component no family serves.
func evaluate(_ component: String, _ args: CaseArguments, _ knobs: Knobs) throws -> GradedValue? {
    try componentCalls[component]?(args, knobs)
}

/// The registry of references by component (Python function) name: each family's call with
/// every knob at the lecture's setting, computed in lmlab's process with the reference
/// Transformer and Tokenizer. Only the inputs ever reach the sandbox.
public let references: [String: Reference] = {
    var table: [String: Reference] = [:]
    for family in componentFamilies {
        for component in family.components where table[component.name] == nil {
            let (name, call, what) = (component.name, component.call, family.name)
            table[name] = { args in
                guard let value = try call(args, Knobs()) else {
                    throw GradingError.badArgument(name, "arguments of the \(what) shapes")
                }
                return value
            }
        }
    }
    return table
}()

/// Components lmlab has a reference for.
public let referenceComponentNames: [String] = references.keys.sorted()

/// The catalogue, in the course's order (attention, blocks, model, tokenizer, LoRA,
/// quantization, LLaMA).
public let mistakeCatalogue: [Mistake] = componentFamilies.flatMap(\.mistakes)

/// The catalogue by id.
public func catalogueMistake(_ id: String) -> Mistake? { mistakeCatalogue.first { $0.id == id } }

/// The catalogue entry behind a stored diagnosis id, if lmlab still knows it.
public func mistakeInfo(_ id: String?) -> (title: String, hint: String)? {
    guard let id, let mistake = catalogueMistake(id) else { return nil }
    return (mistake.title, mistake.hint)
}
