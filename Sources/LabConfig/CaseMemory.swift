// How much memory a test's generated inputs take, worked out from lab.toml alone, so that
// `labs validate` refuses a case (a 400000×700000 tensor) that would abort the grader with a
// failed allocation, or could never fit in the sandbox's memory limit.
import Foundation

public enum CaseMemory {
    /// Bytes counted per generated value: a float64, the widest form a value takes on its way
    /// to the student's code (the reference computes in Float, NumPy may widen).
    public static let bytesPerValue = 8
    /// The inputs and the values computed from them (the reference's output, the student's
    /// copy) are each counted once: a case needs this many times its inputs' size.
    public static let copies = 2

    /// The values `spec` generates; nil when the count overflows an Int (no machine holds it).
    public static func values(_ spec: InputSpec) -> Int? {
        switch spec {
        case .tensor(let shape, _, _, _, _, _, _), .weight(let shape, _):
            return product(shape)
        case .ids(let count, _):
            return count
        case .causal(let t):
            return product([t, t])
        case .block(let c):
            return blockValues(c)
        case .gpt2(let model):
            let c = model.nEmbd
            guard let block = blockValues(c),
                let blocks = product([model.nLayer, block]),
                let wte = product([model.vocab, c]),
                let wpe = product([model.ctx, c])
            else { return nil }
            return sum([blocks, wte, model.untiedHead ? wte : 0, wpe, 2 * c])
        case .literal, .fixture:
            // Literals are as large as the lab.toml that spells them; fixtures as their files.
            return 0
        case .uniformScalar:
            return 1
        }
    }

    /// The bytes a case of `inputs` needs (all copies counted); nil when it overflows.
    public static func bytes(_ inputs: [LabInput]) -> Int? {
        var values: [Int] = []
        for input in inputs {
            guard let n = Self.values(input.spec) else { return nil }
            values.append(n)
        }
        return sum(values).flatMap { product([$0, bytesPerValue, copies]) }
    }

    /// One transformer block's parameters: c_attn (C×3C + 3C), c_proj (C×C + C), c_fc (C×4C +
    /// 4C), mlp c_proj (4C×C + C), two layer norms (2C each): 12C² + 13C.
    static func blockValues(_ c: Int) -> Int? {
        product([12, c, c]).flatMap { sum([$0, 13 * c]) }
    }

    static func product(_ factors: [Int]) -> Int? {
        var result = 1
        for f in factors {
            let (p, overflow) = result.multipliedReportingOverflow(by: f)
            if overflow { return nil }
            result = p
        }
        return result
    }

    static func sum(_ terms: [Int]) -> Int? {
        var result = 0
        for t in terms {
            let (s, overflow) = result.addingReportingOverflow(t)
            if overflow { return nil }
            result = s
        }
        return result
    }
}
