/// The owner of every buffer of a pass (llm.c's `malloc_and_point`): a
/// workspace takes its named buffers from an arena once, when it is set up,
/// and they live exactly as long as the workspace. Nothing is allocated per
/// step or per span, and kernels receive plain pointers, not arrays.
final class Arena<F: RNNScalar> {
    private var blocks: [(pointer: UnsafeMutablePointer<F>, count: Int)] = []

    /// A zeroed buffer of `count` elements (at least one, so every pointer is
    /// valid), aligned for the widest vectors the kernels use.
    func take(_ count: Int) -> UnsafeMutablePointer<F> {
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * MemoryLayout<F>.stride, alignment: 64)
        let pointer = raw.initializeMemory(as: F.self, repeating: 0, count: max(count, 1))
        blocks.append((pointer, max(count, 1)))
        return pointer
    }

    /// One buffer per layer.
    func take(_ count: Int, layers: Int) -> [UnsafeMutablePointer<F>] {
        (0..<layers).map { _ in take(count) }
    }

    deinit {
        for block in blocks {
            block.pointer.deinitialize(count: block.count)
            UnsafeMutableRawPointer(block.pointer).deallocate()
        }
    }
}

extension UnsafeMutablePointer where Pointee: RNNScalar {
    /// Sets `count` elements to zero.
    @inline(__always) func zero(_ count: Int) { update(repeating: 0, count: count) }
}
