// A plain binary min-heap: the priority queue behind the O(n log n) word merge and the
// trainer's "most frequent pair" queue.

/// A min-heap: `popMin()` returns the smallest element by `<`.
struct BinaryHeap<Element: Comparable> {
    private(set) var elements: [Element] = []

    init() {}

    init(_ elements: [Element]) {
        self.elements = elements
        if elements.count > 1 {
            for index in stride(from: elements.count / 2 - 1, through: 0, by: -1) {
                siftDown(index)
            }
        }
    }

    var isEmpty: Bool { elements.isEmpty }
    var count: Int { elements.count }

    mutating func push(_ element: Element) {
        elements.append(element)
        siftUp(elements.count - 1)
    }

    mutating func popMin() -> Element? {
        guard let last = elements.popLast() else { return nil }
        guard !elements.isEmpty else { return last }
        let top = elements[0]
        elements[0] = last
        siftDown(0)
        return top
    }

    private mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            if !(elements[child] < elements[parent]) { break }
            elements.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        let n = elements.count
        while true {
            let left = 2 * parent + 1
            if left >= n { break }
            var smallest = left
            let right = left + 1
            if right < n, elements[right] < elements[left] { smallest = right }
            if !(elements[smallest] < elements[parent]) { break }
            elements.swapAt(smallest, parent)
            parent = smallest
        }
    }
}
