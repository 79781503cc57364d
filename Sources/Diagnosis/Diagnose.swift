// Diagnosis of a failing answer: does it match a catalogued mistake (then name it and give the
// lecture's hint), or is it a near miss? A passing answer is never diagnosed.
import Foundation
import LabConfig

/// What lmlab could tell about a failing answer.
public struct Diagnosis: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable {
        /// The answer equals a catalogued mistake's output (within tolerance).
        case mistake
        /// The answer is within 10× tolerance of a mistake's output, not within tolerance.
        case possibleMistake = "possible_mistake"
        /// No mistake matched, but the answer is within 10× tolerance of the reference.
        case nearMiss = "near_miss"
    }

    public var kind: Kind
    public var mistakeID: String?
    public var title: String?
    public var hint: String?
    /// One sentence for the feedback, e.g. "close: max error 2e-3, tolerance 1e-4 — GELU's erf
    /// form instead of the tanh approximation?".
    public var message: String
}

/// How far a near miss may be from the tolerance and still be called close.
public let nearMissFactor = 10.0

/// The tolerance used to match an answer against a mistake's output: the component's own, but
/// never tighter than float32 round-off (the mistake is computed in float32, the student may
/// work in float64).
public func matchTolerance(_ tolerance: Tolerance) -> Tolerance {
    Tolerance(atol: max(tolerance.atol, 1e-5), rtol: max(tolerance.rtol, 1e-4))
}

/// Diagnoses `got` (which failed `comparison` against `expected`) for `component` on `args`.
public func diagnose(component: String, args: CaseArguments, got: GradedValue,
                     expected: GradedValue, returns kind: ReturnKind, tolerance: Tolerance,
                     comparison: Comparison, catalogue: [Mistake] = mistakeCatalogue)
    -> Diagnosis?
{
    guard !comparison.passed else { return nil }
    let tol = matchTolerance(tolerance)
    let close = comparison.errorRatio.map { $0 <= nearMissFactor } ?? false
    let closeNote = close ? closeMessage(comparison, tolerance) : nil

    // 1. An exact (within tolerance) match with a mistake's output.
    var nearest: (mistake: Mistake, ratio: Double)?
    for mistake in catalogue where mistake.components.contains(component) {
        for output in mistake.outputs(component: component, args: args) {
            // A mistake that coincides with the correct answer on this case says nothing.
            if compare(got: output, expected: expected, as: kind, tolerance: tolerance).passed {
                continue
            }
            let match = compare(got: got, expected: output, as: kind, tolerance: tol)
            if match.passed {
                let message = closeNote.map { "\($0) — \(mistake.title.lowercasedFirst)?" }
                    ?? "This looks like a known mistake: \(mistake.title.lowercasedFirst)."
                return Diagnosis(kind: .mistake, mistakeID: mistake.id, title: mistake.title,
                                 hint: mistake.hint, message: message)
            }
            if let ratio = match.errorRatio, ratio <= nearMissFactor,
                ratio < (nearest?.ratio ?? .infinity)
            {
                nearest = (mistake, ratio)
            }
        }
    }
    // 2. A signature: NaN/inf where the reference is finite (the unstable softmax).
    if comparison.failure == .nonFinite {
        for mistake in catalogue
        where mistake.nonFiniteSignature && mistake.components.contains(component) {
            return Diagnosis(
                kind: .mistake, mistakeID: mistake.id, title: mistake.title, hint: mistake.hint,
                message: "NaN or inf in the output where the reference is finite — "
                    + "\(mistake.title.lowercasedFirst)?")
        }
    }
    // 3. Near misses.
    if let closeNote {
        return Diagnosis(kind: .nearMiss, mistakeID: nil, title: nil, hint: nil,
                         message: "\(closeNote) — almost right; look for a small difference in "
                            + "a constant (eps, 0.044715, √d_k) or in the precision you compute in.")
    }
    if let nearest {
        return Diagnosis(kind: .possibleMistake, mistakeID: nearest.mistake.id,
                         title: nearest.mistake.title, hint: nearest.mistake.hint,
                         message: "Close to a known mistake: "
                            + "\(nearest.mistake.title.lowercasedFirst)?")
    }
    return nil
}

private func closeMessage(_ comparison: Comparison, _ tolerance: Tolerance) -> String {
    let error = comparison.maxAbsError.map(formatNumber) ?? "?"
    var allowed = formatNumber(tolerance.atol)
    if tolerance.rtol > 0 { allowed += " + \(formatNumber(tolerance.rtol))·|expected|" }
    return "close: max error \(error), tolerance \(allowed)"
}

extension String {
    /// "GELU's erf…" stays; "Softmax over…" becomes "softmax over…" inside a sentence.
    var lowercasedFirst: String {
        guard let first = first else { return self }
        // Keep acronyms (GELU, BPE, ReLU) as they are.
        let firstWord = prefix { $0 != " " }
        if firstWord.dropFirst().contains(where: \.isUppercase) { return self }
        return first.lowercased() + dropFirst()
    }
}

/// Diagnoses an exception raised by the student's code through the mistakes' error signatures
/// (e.g. KeyError: ' ' from bpe_encode when bytes were not mapped through bytes_to_unicode).
public func diagnose(component: String, errorType: String, message: String,
                     catalogue: [Mistake] = mistakeCatalogue) -> Diagnosis?
{
    for mistake in catalogue where mistake.components.contains(component) {
        guard let signature = mistake.errorSignature, signature(component, errorType, message)
        else { continue }
        return Diagnosis(kind: .mistake, mistakeID: mistake.id, title: mistake.title,
                         hint: mistake.hint,
                         message: "\(errorType): \(message) is what happens with a known mistake: "
                            + "\(mistake.title.lowercasedFirst).")
    }
    return nil
}
