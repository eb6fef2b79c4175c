import HindsightBot
import HindsightCore

/// Creates an incident's own channel on Slack: `conversations.create` (a taken name gets `-2`, `-3`…), then
/// `conversations.invite` for the declarer and every person named (a mention `<@U…>`, or `@handle` / `@display name`
/// found with `users.list`) and every member of a user group named (`@db-oncall`, with `usergroups.list`), then
/// `conversations.setTopic`. Needs the `channels:manage` scope (Deploy/slack/manifest.yaml).
struct SlackChannelMaker: ChannelMaker {
    let api: SlackWebAPI

    func create(_ request: IncidentChannelRequest, by person: Person, from channel: ChannelKey) async throws(ChannelMakerError)
        -> (channel: ChannelKey, link: String, warnings: [String])
    {
        var created: (id: String, name: String)?
        for name in request.candidateNames where created == nil {
            do {
                created = (try await api.createChannel(name: name), name)
            } catch where error.code == "name_taken" {
                continue
            } catch {
                throw ChannelMakerError(error.description)
            }
        }
        guard let (id, name) = created else { throw ChannelMakerError("#\(request.name) and the next four names are taken") }
        var warnings: [String] = []
        var users = [person.id]
        for word in request.invite {
            if let user = Self.userID(word) {
                users.append(user)
            } else if let group = Self.groupID(word), let members = try? await api.userGroupMembers(group) {
                users += members
            } else if word.hasPrefix("@"), word.count > 1, let user = try? await api.user(named: String(word.dropFirst())) {
                users.append(user.id)  // the command text arrives as typed: @handle or @display name
            } else if word.hasPrefix("@"), word.count > 1 {
                // Not a person: a user group (@db-oncall), whose members are invited (needs usergroups:read).
                do {
                    if let members = try await api.userGroupMembers(String(word.dropFirst())) { users += members } else {
                        warnings.append("nobody and no group called \(word) was found to invite")
                    }
                } catch {
                    warnings.append("\(word) is not a person, and its group could not be read (\(error.code ?? error.description))")
                }
            } else {
                warnings.append("nobody called \(word) was found to invite")
            }
        }
        for user in Set(users).sorted() {
            // One at a time: a single refused invitation (a guest, a deactivated account) does not stop the others.
            do { try await api.invite([user], to: id) } catch where error.code == "already_in_channel" || error.code == "cant_invite_self" {
            } catch {
                warnings.append("<@\(user)> was not invited (\(error.code ?? error.description))")
            }
        }
        do { try await api.setTopic(request.topic, of: id) } catch { warnings.append("the topic was not set (\(error.code ?? error.description))") }
        return (ChannelKey(platform: .slack, channelID: id), "[#\(name)](https://slack.com/app_redirect?channel=\(id))", warnings)
    }

    /// The group id of a group mention as Slack sends it (`<!subteam^S123>` or `<!subteam^S123|@name>`).
    static func groupID(_ word: String) -> String? {
        guard word.hasPrefix("<!subteam^"), word.hasSuffix(">") else { return nil }
        let id = word.dropFirst("<!subteam^".count).dropLast().split(separator: "|").first.map(String.init) ?? ""
        return id.isEmpty ? nil : id
    }

    /// The user id of a mention as Slack sends it (`<@U123>` or `<@U123|name>`); nil for anything else.
    static func userID(_ word: String) -> String? {
        guard word.hasPrefix("<@"), word.hasSuffix(">") else { return nil }
        let inner = word.dropFirst(2).dropLast()
        let id = inner.split(separator: "|").first.map(String.init) ?? ""
        return id.isEmpty ? nil : id
    }
}
