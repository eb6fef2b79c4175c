import HindsightBot
import HindsightNet

/// One Socket Mode slot's connection lifecycle, without sockets or timers: when to open the next connection (before
/// the old one closes on a refresh), when to give up on a socket that says no `hello`, how long to back off after a
/// loss, when to backfill and from where, what `/readyz` counts as live, and when to stop. `SocketModeSession` feeds it
/// what the sockets and timers report and performs the actions it returns, in order.
struct SocketModeMachine {
    /// A connection of this slot, numbered from 1 in the order they are opened; never reused.
    typealias Link = Int

    /// Where the slot is.
    enum State: Equatable {
        /// Not started.
        case idle
        /// Keeping a connection up: `current` is the one the slot relies on; `retiring` are connections replaced on a
        /// refresh, which keep delivering until Slack closes them.
        case running(current: Current, retiring: [Link: Retiring])
        /// No connection is opened again.
        case stopped(StopReason)
    }

    /// The connection the slot relies on, or the one it is about to open.
    enum Current: Equatable {
        /// `link` opens once the watermark (read at this moment) is known: right away at start, else after `backoff`.
        case readingWatermark(Link, backoff: Duration?)
        /// Waiting out the backoff before opening `link`.
        case backingOff(Link, backfill: [BackfillPoint])
        /// `apps.connections.open` and the websocket handshake are under way.
        case opening(Link, backfill: [BackfillPoint]?)
        /// The socket is open and the hello timer runs; `backfill` runs once it says hello.
        case awaitingHello(Link, backfill: [BackfillPoint]?)
        /// Said hello: envelopes flow.
        case live(Link)
        /// Said no hello in time and was asked to close; the reconnect follows its close.
        case abandoning(Link, backfill: [BackfillPoint]?)

        var link: Link {
            switch self {
            case .readingWatermark(let link, _), .backingOff(let link, _), .opening(let link, _),
                 .awaitingHello(let link, _), .live(let link), .abandoning(let link, _):
                link
            }
        }
    }

    /// A connection replaced on a refresh; it keeps delivering until it closes, and its close is no loss.
    enum Retiring: Equatable {
        /// Replaced before its hello; its hello timer still runs.
        case beforeHello
        /// Said hello: counts as live until it closes.
        case live
        /// Said no hello in time and was asked to close.
        case abandoning
    }

    /// What a `disconnect` frame gives as its reason.
    enum Notice: Equatable {
        case warning
        case refreshRequested
        /// Socket Mode was turned off for the app: reconnecting would loop.
        case linkDisabled
        /// A reason Slack may add later; treated like a refresh.
        case other(String)

        init(reason: String) {
            self = switch reason {
            case "warning": .warning
            case "refresh_requested": .refreshRequested
            case "link_disabled": .linkDisabled
            default: .other(reason)
            }
        }
    }

    /// Why the slot stopped.
    enum StopReason: Equatable {
        case linkDisabled
        case shutdown
    }

    /// Why a connection is opened (for the log).
    enum OpenCause: Equatable {
        case start
        /// Slack asked to refresh: the old connection is still open.
        case refresh
        /// After a loss and its backoff.
        case reconnect
    }

    /// What happened.
    enum Input: Equatable, Sendable {
        case started
        /// The answer to `.readWatermark`.
        case watermarkRead([BackfillPoint])
        /// The websocket of `link` is open.
        case linkOpened(Link)
        /// `apps.connections.open` or the websocket handshake failed.
        case openFailed(Link)
        case helloReceived(Link)
        case disconnectNotice(Link, Notice)
        /// The socket of `link` closed (by Slack, by the network, or because it was asked to).
        case linkClosed(Link)
        case helloTimerFired(Link)
        case backoffElapsed
        /// The slot's task was cancelled.
        case shutdown
    }

    /// What the driver must do, in order.
    enum Action: Equatable {
        /// Read where capture stands now and feed it back as `.watermarkRead`.
        case readWatermark
        /// Open `link` (`apps.connections.open`, then the websocket); report `.linkOpened` or `.openFailed`.
        case openLink(Link, cause: OpenCause)
        /// Feed `.helloTimerFired(link)` after this long.
        case startHelloTimer(Link, after: Duration)
        case cancelHelloTimer(Link)
        /// Close the socket of `link`; its `.linkClosed` follows.
        case closeLink(Link)
        /// Count a reconnect (`hindsight_reconnects_total`) and feed `.backoffElapsed` after this long.
        case scheduleReconnect(after: Duration, failures: Int)
        /// Fetch what may have been missed since the points.
        case runBackfill([BackfillPoint])
        /// Connections that said hello and are open (`/readyz`), by this many.
        case changeLive(by: Int)
        /// End the slot: close every connection, cancel every timer.
        case stop(StopReason)
        /// An input this state cannot receive: the driver broke its contract. Logged; nothing else changes.
        case unexpected(Input)
    }

    let policy: ReconnectPolicy
    let helloTimeout: Duration
    private(set) var state: State = .idle
    /// Losses since the last hello; the backoff grows with them.
    private(set) var failures = 0
    private var random: any RandomNumberGenerator

    init(policy: ReconnectPolicy, helloTimeout: Duration, random: any RandomNumberGenerator) {
        self.policy = policy
        self.helloTimeout = helloTimeout
        self.random = random
    }

    /// Advances on an input and returns the actions to perform.
    mutating func handle(_ input: Input) -> [Action] {
        switch state {
        case .idle:
            switch input {
            case .started:
                state = .running(current: .readingWatermark(1, backoff: nil), retiring: [:])
                return [.readWatermark]
            case .shutdown:
                state = .stopped(.shutdown)
                return [.stop(.shutdown)]
            case .watermarkRead, .linkOpened, .openFailed, .helloReceived, .disconnectNotice, .linkClosed,
                 .helloTimerFired, .backoffElapsed:
                return [.unexpected(input)]  // nothing was asked for or opened yet
            }
        case .stopped:
            // What is still in flight when the slot stops (a buffered close, a timer, a late hello) changes nothing.
            return []
        case .running(let current, let retiring):
            return running(current: current, retiring: retiring, input)
        }
    }

    private enum Role {
        case current(Current)
        case retiring(Retiring)
        /// An earlier link that has closed already.
        case gone
        /// A link past the current one: not even asked for.
        case future
    }

    private func role(of link: Link, current: Current, retiring: [Link: Retiring]) -> Role {
        if current.link == link { return .current(current) }
        if let retired = retiring[link] { return .retiring(retired) }
        return link < current.link ? .gone : .future
    }

    private mutating func running(current: Current, retiring: [Link: Retiring], _ input: Input) -> [Action] {
        var retiring = retiring
        switch input {
        case .started:
            return [.unexpected(input)]

        case .watermarkRead(let plan):
            switch current {
            case .readingWatermark(let link, nil):
                state = .running(current: .opening(link, backfill: plan), retiring: retiring)
                return [.openLink(link, cause: .start)]
            case .readingWatermark(let link, let backoff?):
                state = .running(current: .backingOff(link, backfill: plan), retiring: retiring)
                return [.scheduleReconnect(after: backoff, failures: failures)]
            case .backingOff, .opening, .awaitingHello, .live, .abandoning:
                return [.unexpected(input)]  // the watermark is read only when asked for
            }

        case .backoffElapsed:
            switch current {
            case .backingOff(let link, let plan):
                state = .running(current: .opening(link, backfill: plan), retiring: retiring)
                return [.openLink(link, cause: .reconnect)]
            case .readingWatermark, .opening, .awaitingHello, .live, .abandoning:
                return [.unexpected(input)]  // the backoff timer runs only while backing off, and is never cancelled
            }

        case .linkOpened(let link):
            switch role(of: link, current: current, retiring: retiring) {
            case .current(.opening(_, let plan)):
                state = .running(current: .awaitingHello(link, backfill: plan), retiring: retiring)
                // A server that accepts the socket but never says hello is as good as down.
                return [.startHelloTimer(link, after: helloTimeout)]
            case .current(.readingWatermark), .current(.backingOff), .current(.awaitingHello), .current(.live),
                 .current(.abandoning), .retiring, .gone, .future:
                return [.unexpected(input)]  // only the link being opened can open
            }

        case .openFailed(let link):
            switch role(of: link, current: current, retiring: retiring) {
            case .current(.opening):
                return lost(link, retiring: retiring)
            case .current(.readingWatermark), .current(.backingOff), .current(.awaitingHello), .current(.live),
                 .current(.abandoning), .retiring, .gone, .future:
                return [.unexpected(input)]  // only the link being opened can fail to open
            }

        case .helloReceived(let link):
            switch role(of: link, current: current, retiring: retiring) {
            case .current(.awaitingHello(_, let plan)):
                failures = 0
                state = .running(current: .live(link), retiring: retiring)
                return [.cancelHelloTimer(link), .changeLive(by: 1)] + (plan.map { [.runBackfill($0)] } ?? [])
            case .retiring(.beforeHello):
                // Replaced before its hello (its pending backfill went to its successor), but it delivers now.
                failures = 0
                retiring[link] = .live
                state = .running(current: current, retiring: retiring)
                return [.cancelHelloTimer(link), .changeLive(by: 1)]
            case .current(.live), .retiring(.live):
                return []  // a second hello on the same socket: it is live already
            case .current(.abandoning), .retiring(.abandoning):
                return []  // too late: it was given up and asked to close; its close decides what follows
            case .gone:
                return []  // a link that has closed: nothing it said before its close matters now
            case .current(.readingWatermark), .current(.backingOff), .current(.opening), .future:
                return [.unexpected(input)]  // no socket is open for this link (yet)
            }

        case .disconnectNotice(_, .linkDisabled):
            // Socket Mode is off for the whole app, whichever socket says so.
            return stop(.linkDisabled, current: current, retiring: retiring)

        case .disconnectNotice(let link, .warning), .disconnectNotice(let link, .refreshRequested),
             .disconnectNotice(let link, .other):
            // Open the next connection first; the old one keeps delivering until Slack closes it.
            let next = link + 1
            switch role(of: link, current: current, retiring: retiring) {
            case .current(.awaitingHello(_, let plan)):
                retiring[link] = .beforeHello
                state = .running(current: .opening(next, backfill: plan), retiring: retiring)
                return [.openLink(next, cause: .refresh)]
            case .current(.live):
                retiring[link] = .live
                state = .running(current: .opening(next, backfill: nil), retiring: retiring)
                return [.openLink(next, cause: .refresh)]
            case .current(.abandoning(_, let plan)):
                retiring[link] = .abandoning
                state = .running(current: .opening(next, backfill: plan), retiring: retiring)
                return [.openLink(next, cause: .refresh)]
            case .retiring:
                return []  // replaced already: `refresh_requested` after its `warning`, or a repeated notice
            case .gone:
                return []  // a link that has closed: nothing it said before its close matters now
            case .current(.readingWatermark), .current(.backingOff), .current(.opening), .future:
                return [.unexpected(input)]  // no socket is open for this link (yet)
            }

        case .linkClosed(let link):
            switch role(of: link, current: current, retiring: retiring) {
            case .current(.awaitingHello):
                return [.cancelHelloTimer(link)] + lost(link, retiring: retiring)
            case .current(.live):
                return [.changeLive(by: -1)] + lost(link, retiring: retiring)
            case .current(.abandoning):
                return lost(link, retiring: retiring)
            case .retiring(let retired):
                // Its successor is already open or opening: the close of a replaced link is no loss.
                retiring[link] = nil
                state = .running(current: current, retiring: retiring)
                switch retired {
                case .beforeHello: return [.cancelHelloTimer(link)]
                case .live: return [.changeLive(by: -1)]
                case .abandoning: return []
                }
            case .gone:
                return []  // closed already
            case .current(.readingWatermark), .current(.backingOff), .current(.opening), .future:
                return [.unexpected(input)]  // no socket is open for this link (yet) (a failed open is `.openFailed`)
            }

        case .helloTimerFired(let link):
            switch role(of: link, current: current, retiring: retiring) {
            case .current(.awaitingHello(_, let plan)):
                state = .running(current: .abandoning(link, backfill: plan), retiring: retiring)
                return [.closeLink(link)]
            case .retiring(.beforeHello):
                retiring[link] = .abandoning
                state = .running(current: current, retiring: retiring)
                return [.closeLink(link)]
            case .current(.live), .retiring(.live):
                return []  // fired as the hello arrived, before its cancel took effect
            case .gone:
                return []  // fired as the socket closed, before its cancel took effect
            case .current(.abandoning), .retiring(.abandoning):
                return [.unexpected(input)]  // each link's hello timer fires once
            case .current(.readingWatermark), .current(.backingOff), .current(.opening), .future:
                return [.unexpected(input)]  // the hello timer starts only once the socket is open
            }

        case .shutdown:
            return stop(.shutdown, current: current, retiring: retiring)
        }
    }

    /// The current link is gone without a successor: back off (growing with each loss since the last hello), and
    /// backfill from where capture stands at this moment once the next connection says hello.
    private mutating func lost(_ link: Link, retiring: [Link: Retiring]) -> [Action] {
        failures += 1
        let delay = policy.delay(afterFailures: failures, random: &random)
        state = .running(current: .readingWatermark(link + 1, backoff: delay), retiring: retiring)
        return [.readWatermark]
    }

    private mutating func stop(_ reason: StopReason, current: Current, retiring: [Link: Retiring]) -> [Action] {
        var live = retiring.values.filter { $0 == .live }.count
        switch current {
        case .live: live += 1
        case .readingWatermark, .backingOff, .opening, .awaitingHello, .abandoning: break
        }
        state = .stopped(reason)
        return (live > 0 ? [.changeLive(by: -live)] : []) + [.stop(reason)]
    }
}
