import Testing
@testable import HindsightStore

@Suite("The message filter: 'not stored' from memory")
struct MessageFilterTests {
    @Test("every id added is a 'maybe'; of ids never added, about one in a hundred, at the size it was made for")
    func noFalseNegatives() {
        var filter = MessageFilter(capacity: 20_000)
        let stored = (0..<20_000).map { "1733\($0 * 7919).\($0 % 1_000_000)" }
        for id in stored { filter.insert(id) }
        #expect(stored.allSatisfy(filter.mayContain))
        #expect(filter.isFull)
        let others = (0..<20_000).map { "other-\($0)" }
        let falseMaybes = others.filter(filter.mayContain).count
        #expect(falseMaybes < 400, "\(falseMaybes) of 20,000 ids never added answered maybe")
        #expect(!MessageFilter(capacity: 10).mayContain("m1"))
    }
}
