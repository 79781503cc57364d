// The reference outputs: component name → the expected value, computed in lmlab's process with
// the reference Transformer and Tokenizer. Only the inputs ever reach the sandbox.

/// Components lmlab has a reference for.
public let referenceComponentNames: [String] = []
