// sgemm against the naive triple loop and a hand-worked product.
import Testing
@testable import Tensors

@Test func handWorkedProduct() {
    let a = Tensor(shape: [2, 3], data: [1, 2, 3, 4, 5, 6])
    let b = Tensor(shape: [3, 2], data: [7, 8, 9, 10, 11, 12])
    // [1 2 3; 4 5 6] · [7 8; 9 10; 11 12] = [58 64; 139 154]
    #expect(a.matmul(b).data == [58, 64, 139, 154])
    #expect(naiveMatmul(a, b).data == [58, 64, 139, 154])
}
