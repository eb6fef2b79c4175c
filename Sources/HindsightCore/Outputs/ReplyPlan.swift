import Foundation

/// What a platform's immediate answer to a request can carry: Slack's acknowledgement payload, Mattermost's slash
/// command or button response, the console's output. Anything it cannot carry is posted after the answer.
public struct AnswerSlot: Sendable {
    /// How many replies fit (nil: any number).
    public var capacity: Int?
    /// Which replies it can show: some answers are seen only by the person who asked.
    public var visibilities: Set<Reply.Visibility>
    public var buttons: Bool
    /// Whether it can carry an upload (`Reply.file`) or a reply meant for another channel (`Reply.destination`).
    public var files: Bool
    public var otherChannels: Bool
    /// Whether it can carry a reply meant for a conversation's thread (`Reply.thread`): an immediate answer cannot
    /// be threaded nor say which message it became.
    public var threads: Bool
    /// Whether a text fits, measured as the platform renders it.
    public var fits: @Sendable (String) -> Bool

    public init(
        capacity: Int?, visibilities: Set<Reply.Visibility> = [.ephemeral, .channel], buttons: Bool, files: Bool = false,
        otherChannels: Bool = false, threads: Bool = false, fits: @escaping @Sendable (String) -> Bool = { _ in true }
    ) {
        self.threads = threads
        self.capacity = capacity
        self.visibilities = visibilities
        self.buttons = buttons
        self.files = files
        self.otherChannels = otherChannels
        self.fits = fits
    }

    /// No immediate answer (a dialog submission, an acknowledgement already sent): everything is posted.
    public static let none = AnswerSlot(capacity: 0, visibilities: [], buttons: false)
    /// Every reply in the answer (the console, which writes each where the person typed).
    public static let everything = AnswerSlot(capacity: nil, buttons: true, files: true, otherChannels: true, threads: true)

    func takes(_ reply: Reply) -> Bool {
        visibilities.contains(reply.visibility) && (buttons || reply.actions.isEmpty) && (files || reply.file == nil)
            && (otherChannels || reply.destination == nil) && (threads || reply.thread == nil) && fits(reply.text)
    }
}

/// Where each reply to a command or submission goes, decided once for every platform: the forms to open (with the
/// request's trigger), the replies in the immediate answer, and the rest posted after it, in order. Adapters only
/// render the three parts.
public struct ReplyPlan: Hashable, Sendable {
    public var forms: [Form] = []
    public var answer: [Reply] = []
    public var followUps: [Reply] = []

    public init(_ replies: [Reply], answer slot: AnswerSlot) {
        for var reply in replies {
            if let form = reply.form {
                forms.append(form)
                reply.form = nil
                if reply.text.isEmpty { continue }  // only the form
            }
            if slot.capacity.map({ answer.count < $0 }) ?? true, slot.takes(reply) {
                answer.append(reply)
            } else {
                followUps.append(reply)
            }
        }
    }
}
