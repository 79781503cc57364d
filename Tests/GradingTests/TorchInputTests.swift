// A torch lab's inputs, with real torch in the sandbox: the runner hands CPU torch.Tensors made
// with torch.from_numpy from the decoded arrays, so their bits equal what a NumPy lab receives;
// and the torch editions of labs 01–03 grade a correct submission with full marks and a buggy
// one with the same named mistake as the NumPy edition of the same bug.
import Foundation
import TestSupport
import Testing

@testable import Diagnosis
@testable import Grading
@testable import Harness
@testable import LabConfig

@Suite("Torch inputs", .serialized, .blockingWork)
struct TorchInputTests {
    static let isolation: Isolation = HarnessFixtures.bubblewrapWorks ? .sandbox : .none

    @Test func torchInputsAreTheNumPyInputsBitForBit() throws {
        let configuration = HarnessConfiguration(
            sandbox: try HarnessFixtures.sandbox(), isolation: Self.isolation,
            limits: SandboxLimits(), startupTimeout: 240, logCapacity: 64 * 1024)
        let session = HarnessSession(
            submission: HarnessFixtures.folder("torch_inputs"), entry: "probe.py",
            configuration: configuration)
        defer { session.close() }
        // Bit patterns a lossy conversion would change: -0, a subnormal, a NaN with a payload.
        let floats = [Float(-0.0), Float(1e-40), Float(bitPattern: 0x7fc0_0001), 0.1, -3.5, 7]
        let sent: [HarnessTensor] = [
            HarnessTensor(floats: floats, shape: [2, 3]),
            HarnessTensor(doubles: [Double.pi, -0.0, Double(bitPattern: 1), 2.5], shape: [4]),
            HarnessTensor(bools: [true, false, true, true], shape: [2, 2]),
            try HarnessTensor(dtype: .float16, shape: [2], bytes: Data([0x01, 0x00, 0x00, 0xbc])),
            try HarnessTensor(dtype: .int8, shape: [3], bytes: Data([0x80, 0x7f, 0x00])),
        ]
        let args = sent.map { HarnessValue.tensor($0) }

        let seen = session.call("kinds", args: args, timeout: 120, framework: .torch)
        let expectedKinds: [JSONValue] = [
            "torch.Tensor torch.float32 cpu", "torch.Tensor torch.float64 cpu",
            "torch.Tensor torch.bool cpu", "torch.Tensor torch.float16 cpu",
            "torch.Tensor torch.int8 cpu",
        ].map { .string($0) }
        guard case .value(.list(let torchKinds), _) = seen else {
            Issue.record("expected a list, got \(seen)")
            return
        }
        #expect(torchKinds == expectedKinds.map { HarnessValue.json($0) })
        let numpySeen = session.call("kinds", args: args, timeout: 120)
        guard case .value(.list(let numpyKinds), _) = numpySeen else {
            Issue.record("expected a list, got \(numpySeen)")
            return
        }
        #expect(numpyKinds.first == .json(.string("numpy.ndarray float32 numpy")))

        for framework in [Framework.torch, .numpy] {
            let echoed = session.call("echo", args: args, timeout: 120, framework: framework)
            guard case .value(.list(let items), _) = echoed else {
                Issue.record("\(framework): expected a list, got \(echoed)")
                continue
            }
            #expect(items.count == sent.count)
            for (item, original) in zip(items, sent) {
                guard case .tensor(let back) = item else {
                    Issue.record("\(framework): expected a tensor, got \(item)")
                    continue
                }
                #expect(back.dtype == original.dtype && back.shape == original.shape)
                #expect(back.bytes == original.bytes, "\(framework) \(original.dtype)")
            }
        }
    }

    /// Each torch edition (labs 01–03) grades s01-ada's torch sample with full marks and
    /// s05-barbara's torch translation of her NumPy bug as the NumPy edition grades the NumPy one.
    @Test(arguments: labsWithATorchEdition)
    func torchEditionGradesLikeTheNumPyEdition(numpyID: String) throws {
        let labs = repositoryRoot.appendingPathComponent("labs")
        let torchID = numpyID + "-torch"
        let torchLab = try Lab.load(folder: labs.appendingPathComponent(torchID))
        let numpyLab = try Lab.load(folder: labs.appendingPathComponent(numpyID))
        #expect(torchLab.framework == .torch && torchLab.usesTorch && !numpyLab.usesTorch)
        let harness = repositoryRoot.appendingPathComponent("labs/harness")
        let torchGrader = try Grader(
            lab: torchLab, harnessDirectory: harness, isolation: Self.isolation)
        let numpyGrader = try Grader(
            lab: numpyLab, harnessDirectory: harness, isolation: Self.isolation)
        let submissions = repositoryRoot.appendingPathComponent("submissions")

        let correct = try torchGrader.grade(
            submission: submissions.appendingPathComponent("s01-ada/\(torchID)"),
            seed: 7, mode: .instructor)
        #expect(correct.summary.score == correct.summary.maxScore, "\(report(correct))")
        #expect(correct.summary.maxScore == numpyLab.totalPoints)

        let buggy = try torchGrader.grade(
            submission: submissions.appendingPathComponent("s05-barbara/\(torchID)"),
            seed: 7, mode: .instructor)
        let numpyBuggy = try numpyGrader.grade(
            submission: submissions.appendingPathComponent("s05-barbara/\(numpyID)"),
            seed: 7, mode: .instructor)
        let named = Set(buggy.results.compactMap { $0.diagnosis?.mistakeID })
        let numpyNamed = Set(numpyBuggy.results.compactMap { $0.diagnosis?.mistakeID })
        let mistake = try #require(
            try loadSamples().first { $0.path == "s05-barbara/\(torchID)" }?.mistake)
        #expect(named.contains(mistake), "\(report(buggy))")
        #expect(named == numpyNamed, "\(report(buggy))")
        #expect(buggy.results.map(\.passed) == numpyBuggy.results.map(\.passed))
    }
}
