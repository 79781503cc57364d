// The sample class (submissions/) against the independent NumPy reference: every `full` sample
// passes every lab test, every `mistake` sample fails at least one (Tests/Oracle/
// labs_check_samples.py, which also checks the reference against hand-worked values and tiktoken).
import Foundation
import TestSupport
import Testing

@testable import Diagnosis
@testable import Grading
@testable import LabConfig

@Test(.blockingWork) func sampleClassBehavesAsTheManifestSays() throws {
    do {
        let report = try runOracle("labs_check_samples.py")
        let text = String(decoding: report, as: UTF8.self)
        #expect(text.contains("behave as MANIFEST.toml says"), "\(text)")
    } catch let error as OracleError {
        Issue.record("sample class check failed:\n\(error)")
    }
}

@Test(.blockingWork) func manifestNamesEveryCatalogueMistakeAndSpecialVerdict() throws {
    // The manifest and the labs agree: every sample's lab loads, and every catalogued mistake
    // and every special verdict appears at least once.
    let url = repositoryRoot.appendingPathComponent("submissions/MANIFEST.toml")
    let text = try String(contentsOf: url, encoding: .utf8)
    let mistakes = [
        "no_scaling", "scale_by_dk", "softmax_wrong_axis", "mask_after_softmax", "no_causal_mask",
        "causal_off_by_one", "softmax_no_max_shift", "heads_no_transpose",
        "heads_concat_wrong_order", "qkv_wrong_thirds", "layernorm_unbiased_variance",
        "eps_outside_sqrt", "gelu_erf", "relu_instead_of_gelu", "missing_residual", "post_ln",
        "missing_ln_f", "missing_position_embeddings", "positions_off_by_one", "head_not_tied",
        "cross_entropy_sum", "bpe_merge_by_frequency", "missing_byte_to_unicode",
        "wrong_pretokenize_pattern",
    ]
    for mistake in mistakes {
        #expect(text.contains("mistake = \"\(mistake)\""), "\(mistake) has no sample")
    }
    for verdict in [
        "full", "syntax_error", "import_error", "hang", "crash", "hostile", "notebook_full",
    ] {
        #expect(text.contains("verdict = \"\(verdict)\""), "no \(verdict) sample")
    }
    let labs = try Lab.loadAll(labsRoot: repositoryRoot.appendingPathComponent("labs"))
    for lab in labs {
        #expect(text.contains("lab = \"\(lab.id)\""), "no sample for \(lab.id)")
    }
}
