import Foundation
import HindsightCore

/// A labelled evaluation corpus (`Tests/Fixtures`, format in its README): war rooms replayed through the bot, and
/// sentences for the blameless and action-item checks. Each item belongs to the `dev` split (rules are written
/// against it) or the `holdout` split (only reported).
public struct Corpus: Sendable {
    public var warRooms: [WarRoom]
    public var sentences: [SentenceCase]

    public init(warRooms: [WarRoom], sentences: [SentenceCase]) {
        self.warRooms = warRooms
        self.sentences = sentences
    }

    /// Reads `directory/warrooms/*.json` and `directory/sentences/<kind>.jsonl`; a file that does not parse is an
    /// error naming it.
    public static func load(from directory: URL) throws(CorpusError) -> Corpus {
        let decoder = Corpus.decoder()
        let warRooms = try decodeEach(WarRoom.self, in: directory.appendingPathComponent("warrooms")).map(\.value)
        var sentences: [SentenceCase] = []
        for kind in SentenceCase.Kind.allCases {
            let url = directory.appendingPathComponent("sentences/\(kind.rawValue).jsonl")
            guard let text = try? String(contentsOf: url, encoding: .utf8) else { continue }
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            where !line.trimmingCharacters(in: .whitespaces).isEmpty {
                do {
                    var item = try decoder.decode(SentenceCase.self, from: Data(line.utf8))
                    item.kind = kind
                    sentences.append(item)
                } catch {
                    throw CorpusError(file: "\(url.path):\(number + 1)", reason: "\(error)")
                }
            }
        }
        return Corpus(warRooms: warRooms, sentences: sentences)
    }

    /// The decoder the corpus's files are read with (times in ISO-8601).
    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }

    /// Every `*.json` in `directory`, in name order, by its name without `.json`; none when the folder is missing, and
    /// a file that does not parse is an error naming it.
    static func decodeEach<Value: Decodable>(_ type: Value.Type, in directory: URL) throws(CorpusError) -> [(name: String, value: Value)] {
        let decoder = Corpus.decoder()
        var values: [(name: String, value: Value)] = []
        for name in ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).sorted() where name.hasSuffix(".json") {
            let url = directory.appendingPathComponent(name)
            do {
                values.append((String(name.dropLast(".json".count)), try decoder.decode(type, from: Data(contentsOf: url))))
            } catch {
                throw CorpusError(file: url.path, reason: "\(error)")
            }
        }
        return values
    }
}

/// Which half of the corpus an item belongs to.
public enum Split: String, Codable, Sendable, CaseIterable {
    case dev, holdout
}

/// One incident's war room as chat, with what its published post-mortem says.
public struct WarRoom: Decodable, Sendable {
    public struct Message: Decodable, Sendable {
        public var id: String
        public var ts: Date
        public var user: String
        public var name: String?
        public var text: String
        public var bot: Bool?
        public var thread: String?
    }

    public var id: String
    public var title: String
    public var source: String?
    public var split: Split
    public var channel: String
    public var messages: [Message]
    /// The published milestone times by kind (only the kinds the post-mortem gives).
    public var milestones: [String: Date]
    /// Ids of the messages that are the published timeline's key events.
    public var keyEvents: [String]

    /// The published milestones an evaluation judges: every kind but `started`, which `/postmortem start` sets itself.
    public var judgedMilestones: [String: Date] { milestones.filter { $0.key != MilestoneKind.started.rawValue } }

    enum CodingKeys: String, CodingKey {
        case id, title, source, split, channel, messages, milestones
        case keyEvents = "key_events"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        title = try c.decode(String.self, forKey: .title)
        source = try c.decodeIfPresent(String.self, forKey: .source)
        split = try c.decode(Split.self, forKey: .split)
        channel = try c.decode(String.self, forKey: .channel)
        messages = try c.decode([Message].self, forKey: .messages)
        milestones = try c.decodeIfPresent([String: Date].self, forKey: .milestones) ?? [:]
        keyEvents = try c.decodeIfPresent([String].self, forKey: .keyEvents) ?? []
    }
}

extension WarRoom.Message {
    enum CodingKeys: String, CodingKey { case id, ts, user, name, text, bot, thread }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        ts = try c.decode(Date.self, forKey: .ts)
        user = try c.decode(String.self, forKey: .user)
        name = try c.decodeIfPresent(String.self, forKey: .name)
        text = try c.decode(String.self, forKey: .text)
        bot = try c.decodeIfPresent(Bool.self, forKey: .bot)
        thread = try c.decodeIfPresent(String.self, forKey: .thread)
    }
}

/// One labelled sentence for the blameless or action-item check.
public struct SentenceCase: Decodable, Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        case neutral, blaming
        case concrete = "actions-concrete"
        case vague = "actions-vague"
    }

    public var text: String
    /// Who was in the room (usernames as typed, without `@`).
    public var people: [String]
    public var split: Split
    public var note: String?
    public var kind: Kind = .neutral

    enum CodingKeys: String, CodingKey { case text, people, split, note }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        text = try c.decode(String.self, forKey: .text)
        people = try c.decodeIfPresent([String].self, forKey: .people) ?? []
        split = try c.decode(Split.self, forKey: .split)
        note = try c.decodeIfPresent(String.self, forKey: .note)
    }
}

/// A corpus file that could not be read, with where and why.
public struct CorpusError: Error, CustomStringConvertible, Sendable {
    public var file: String
    public var reason: String

    public var description: String { "\(file): \(reason)" }
}
