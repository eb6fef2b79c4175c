import Testing
@testable import HindsightCore

@Suite("The bit filter in front of the classifier's tables")
struct HashFilterTests {
    @Test("every key it was built from passes, and few others do", arguments: [0, 1, 100, 5_000])
    func filter(count: Int) {
        let keys = (0..<count).map { KeyEventFeatures.hash(ofName: "u:word\($0)") }
        for bitsPerKey in [8, 16] {
            let filter = HashFilter(keys, bitsPerKey: bitsPerKey)
            #expect(keys.allSatisfy(filter.mayContain))
            let others = (0..<20_000).map { KeyEventFeatures.hash(ofName: "b:other_\($0)") }
            let passed = others.filter(filter.mayContain).count
            // One bit per key in at least `bitsPerKey` bits: about 1 / bitsPerKey of absent keys pass.
            #expect(Double(passed) <= Double(others.count) * 2 / Double(bitsPerKey), "\(passed) of \(others.count) absent keys passed")
        }
    }
}
