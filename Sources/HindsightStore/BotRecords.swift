import Foundation
import HindsightCore

/// What the bot keeps beside the desk's records, inside the same transaction: threads and backfills, live cards,
/// reminders sent, single-use callbacks and the installation's secrets. Both stores answer it (SQLite's
/// `StoreTransaction`, PostgreSQL's `PostgresTransaction`), under one contract (`BotRecordsContractTests`).
public protocol BotRecords: IncidentLedger {
    /// The distinct thread parents the incident's captured replies point at (threads it has seen), in no set order.
    func threadParentIDs(of incident: IncidentID) throws -> [String]
    /// Every open incident on `platform` with its newest captured chat message (time and platform id), in no set order.
    func openIncidentsWithLastMessage(platform: Platform) throws -> [(incident: Incident, lastCapturedAt: Date?, lastMessageID: String?)]
    /// Whether the reminder with this key was already posted.
    func reminderSent(_ key: String) throws -> Bool
    /// The installation secret called `name`, created with `generate()` the first time it is asked for.
    func installationSecret(_ name: String, generate: () -> String) throws -> String
    /// The message the incident's live card was last posted as, if it has one.
    func cardMessage(of incident: IncidentID) throws -> String?
    /// Records the message the incident's live card was posted as, replacing the one before.
    func setCardMessage(_ messageID: String, of incident: IncidentID) throws
    /// Marks a single-use callback token used; false when it already was.
    func useCallback(nonce: String, expiresAt: Date, now: Date) throws -> Bool
    /// Whether a single-use callback token was already used.
    func callbackUsed(nonce: String) throws -> Bool
    /// Records that a backfill of `channel` from `since` has begun; an earlier unfinished one keeps its earlier start.
    func beginBackfill(_ channel: ChannelKey, since: Date) throws
    /// Records that the backfill of `channel` has stored everything it fetched.
    func endBackfill(_ channel: ChannelKey) throws
    /// Where unfinished backfills on `platform` started, by channel id.
    func pendingBackfills(platform: Platform) throws -> [String: Date]
    /// How many timeline events are stored in all.
    func eventCount() throws -> Int
    /// Holds replies until an adapter has posted them (the outbox); a key already held is left as it is.
    func hold(_ replies: [HeldReply]) throws
    /// Forgets a held reply: it was posted, or refused for good.
    func release(heldReply key: String) throws
    /// Drops the replies held before `expiredBefore` (too old to be worth posting late), then returns up to `limit`
    /// of the others last tried before `triedBefore` (oldest first, skipping `excluding`), marked tried at `now`: a
    /// replica that claims them posts them, and another claims them again only after the same wait.
    func claimHeldReplies(triedBefore: Date, expiredBefore: Date, now: Date, excluding: Set<String>, limit: Int) throws -> [HeldReply]
}

extension StoreTransaction: BotRecords, LookBackFill {}
