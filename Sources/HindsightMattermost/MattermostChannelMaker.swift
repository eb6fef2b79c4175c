import HindsightBot
import HindsightCore

/// Creates an incident's own channel on Mattermost, in the team of the channel it was declared from: `POST /channels`
/// (public, the topic as its header; a taken name gets `-2`, `-3`…), then `POST /channels/{id}/members` for the
/// declarer, every `@username` named and the members of every group named (`@db-oncall`). The bot account needs the permission to create public channels and to
/// manage their members (a system admin grants it; see README).
struct MattermostChannelMaker: ChannelMaker {
    let rest: MattermostREST

    func create(_ request: IncidentChannelRequest, by person: Person, from channel: ChannelKey) async throws(ChannelMakerError)
        -> (channel: ChannelKey, link: String, warnings: [String])
    {
        let team: String
        do { team = try await rest.channel(channel.channelID).teamID ?? "" } catch {
            throw ChannelMakerError("the channel it was declared from could not be read: \(error)")
        }
        guard !team.isEmpty else {
            throw ChannelMakerError("the channel it was declared from belongs to no team (a direct message?): declare it in a team channel")
        }
        var created: MattermostChannel?
        for name in request.candidateNames where created == nil {
            do {
                created = try await rest.createChannel(teamID: team, name: name, displayName: "#\(name)", header: request.topic)
            } catch {
                if case let .failed(400, id) = error, id.contains("exists") { continue }
                throw ChannelMakerError(error.description)
            }
        }
        guard let made = created else { throw ChannelMakerError("~\(request.name) and the next four names are taken") }
        var warnings: [String] = []
        var users = [person.id]
        for word in request.invite {
            let name = word.hasPrefix("@") ? String(word.dropFirst()) : word
            do { users.append(try await rest.user(named: name).id) } catch {
                // Not a person: a group (@db-oncall), whose members are added.
                if let members = try? await rest.groupMembers(named: name) { users += members } else {
                    warnings.append("nobody and no group called @\(name) was found to invite")
                }
            }
        }
        for user in Set(users).sorted() {
            do { try await rest.addMember(user, to: made.id) } catch { warnings.append("a member was not added (\(error.description))") }
        }
        return (ChannelKey(platform: .mattermost, channelID: made.id), "~\(made.name)", warnings)
    }
}
