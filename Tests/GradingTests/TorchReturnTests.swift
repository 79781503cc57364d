// A NumPy lab's student returning torch tensors, with real torch in the sandbox: CPU tensors are
// read exactly (bfloat16 widened to float32), a tensor that requires grad or lives off the CPU
// is refused with what to return instead, and torch runs on the sandbox's one thread.
import Foundation
import TestSupport
import Testing

@testable import Harness

@Suite("Returned torch tensors", .serialized, .blockingWork)
struct TorchReturnTests {
    /// torch's import is slow on a loaded machine: a generous start-up bound.
    static func session() throws -> HarnessSession {
        let configuration = HarnessConfiguration(
            sandbox: try HarnessFixtures.sandbox(),
            isolation: HarnessFixtures.bubblewrapWorks ? .sandbox : .none,
            limits: SandboxLimits(), startupTimeout: 240, logCapacity: 64 * 1024)
        return HarnessSession(
            submission: HarnessFixtures.folder("torch_returns"), entry: "attention.py",
            configuration: configuration)
    }

    @Test func tensorsAreReadExactlyOrRefusedClearly() throws {
        let session = try Self.session()
        defer { session.close() }
        // Values chosen so doubling and bfloat16 are exact by hand: 1.5·2 = 3, and each of these
        // has at most 8 significant bits, so bfloat16 keeps it as it is.
        let values: [Float] = [1.5, -0.25, 3.0, 1024.0, -7.5, 0.0078125]
        let x = HarnessTensor(floats: values, shape: [2, 3])

        let doubled = try #require(tensorValue(session.call("doubled", args: [.tensor(x)], timeout: 120)))
        #expect(doubled.dtype == .float32 && doubled.shape == [2, 3])
        #expect(doubled.floats() == values.map { $0 * 2 })

        let narrow = try #require(
            tensorValue(session.call("as_bfloat16", args: [.tensor(x)], timeout: 120)))
        #expect(narrow.dtype == .float32 && narrow.floats() == values)

        let grad = session.call("needs_grad", args: [.tensor(x)], timeout: 120)
        guard case .studentError(let error) = grad else {
            Issue.record("expected a student error, got \(grad)")
            return
        }
        #expect(error.message.contains("requires grad") && error.message.contains(".detach()"))

        let meta = session.call("on_meta_device", args: [.tensor(x)], timeout: 120)
        guard case .studentError(let offCPU) = meta else {
            Issue.record("expected a student error, got \(meta)")
            return
        }
        #expect(offCPU.message.contains("tensor on meta") && offCPU.message.contains(".cpu()"))

        // OMP_NUM_THREADS=1 in the sandbox: torch uses its one CPU share.
        let threads = session.call("threads", args: [], timeout: 120)
        guard case .value(.json(let count), _) = threads else {
            Issue.record("expected a number, got \(threads)")
            return
        }
        #expect(count == .int(1))
    }
}
