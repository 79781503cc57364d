// The generic tensor operations of Sources/Tensors/Ops.swift the model is built from, on
// hand-worked cases (they live with the transformer tests because this branch owns Ops.swift).
import Tensors
import Testing

@Suite struct OpsTests {
    // [[0 1 2], [3 4 5]]
    let m = Tensor(shape: [2, 3], data: [0, 1, 2, 3, 4, 5])

    @Test func broadcastingArithmetic() {
        let row = Tensor(shape: [3], data: [10, 20, 30])
        let col = Tensor(shape: [2, 1], data: [100, 200])
        #expect((m + row).data == [10, 21, 32, 13, 24, 35])
        #expect((m + col).data == [100, 101, 102, 203, 204, 205])
        #expect((col * row).shape == [2, 3])
        #expect((col * row).data == [1000, 2000, 3000, 2000, 4000, 6000])
        #expect((m - m).data == [0, 0, 0, 0, 0, 0])
        #expect((2 * m).data == [0, 2, 4, 6, 8, 10])
        #expect(Tensor.broadcastShape([4, 1, 3], [5, 1]) == [4, 5, 3])
        #expect(col.broadcasted(to: [2, 2]).data == [100, 100, 200, 200])
    }

    @Test func permuteSliceConcatenate() {
        #expect(m.transposed.shape == [3, 2])
        #expect(m.transposed.data == [0, 3, 1, 4, 2, 5])
        let t = Tensor(shape: [2, 2, 2], data: [0, 1, 2, 3, 4, 5, 6, 7])
        // out[i, j, k] = t[k, i, j]  ->  permuted([1, 2, 0])
        #expect(t.permuted([1, 2, 0]).data == [0, 4, 1, 5, 2, 6, 3, 7])
        #expect(m.sliced(axis: -1, 1..<3).data == [1, 2, 4, 5])
        #expect(m.sliced(axis: 0, 1..<2).data == [3, 4, 5])
        let joined = Tensor.concatenated([m, m.sliced(axis: 1, 0..<1)], axis: 1)
        #expect(joined.shape == [2, 4] && joined.data == [0, 1, 2, 0, 3, 4, 5, 3])
        #expect(Tensor.concatenated([m, m], axis: 0).data == m.data + m.data)
        #expect(argmax([1, 7, 7, 2]) == 1)
        #expect(m.sum() == 15)
    }
}
