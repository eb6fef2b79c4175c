import Foundation
import HindsightEvaluation

extension WarRoom {
    /// A war room from the JSON a corpus file would hold, read as `Corpus.load` reads one.
    static func decoding(_ json: [String: Any]) throws -> WarRoom {
        try Corpus.decoder().decode(WarRoom.self, from: JSONSerialization.data(withJSONObject: json))
    }
}
