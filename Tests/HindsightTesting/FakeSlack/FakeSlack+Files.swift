import Foundation
import Hummingbird

/// The external upload flow: `files.getUploadURLExternal`, the bytes POSTed to the upload URL, then
/// `files.completeUploadExternal` sharing the file (optionally into a channel).
extension FakeSlack {
    func uploadURL(_ arguments: FakeJSON) throws -> FakeJSON {
        guard let filename = arguments["filename"]?.string, !filename.isEmpty else {
            throw FakeSlackAPIFailure("invalid_arguments", messages: ["[ERROR] missing required field: filename"])
        }
        guard let length = arguments["length"]?.int, length > 0 else {
            throw FakeSlackAPIFailure("invalid_arguments", messages: ["[ERROR] missing required field: length"])
        }
        let id = FakeSlackID.make("F")
        state.withLock { $0.uploads[id] = .init(filename: filename, length: length) }
        return ["ok": true, "upload_url": .string("\(baseURL)/upload/\(id)"), "file_id": .string(id)]
    }

    /// `POST /upload/<file_id>`: the raw bytes, or a multipart form whose file part holds them.
    func receiveUpload(_ request: Request, fileID: String) async throws -> Response {
        let body = Data(try await request.body.collect(upTo: 256 << 20).readableBytesView)
        var contents = body
        if let contentType = request.headers[.contentType], let form = TestHTTPMultipart(body: body, contentType: contentType),
            let part = form["file"] ?? form["filename"] ?? form.parts.first(where: { $0.filename != nil }) {
            contents = part.data
        }
        let known = state.withLock { state -> Bool in
            guard state.uploads[fileID] != nil else { return false }
            state.uploads[fileID]?.contents = contents
            return true
        }
        guard known else { return Self.text("Not Found", status: .notFound) }
        return Self.text("OK - \(contents.count)")
    }

    /// Shares uploaded files. Error names for a file never uploaded (`file_not_found`) or uploaded with another
    /// length than announced (`file_size_mismatch`) are the fake's own; Slack does not document them.
    func completeUploads(_ arguments: FakeJSON) async throws -> FakeJSON {
        guard let requested = arguments["files"]?.decodingEmbeddedJSON.array, !requested.isEmpty else {
            throw FakeSlackAPIFailure("invalid_arguments", messages: ["[ERROR] missing required field: files"])
        }
        let channelReference = arguments["channel_id"]?.string ?? arguments["channels"]?.string?.split(separator: ",").first.map(String.init)
        let comment = arguments["initial_comment"]?.string
        let (files, shared) = try state.withLock { state in
            var channel: FakeSlackChannel?
            if let channelReference { channel = try state.workspace.accessibleChannel(channelReference) }
            var files: [(id: String, title: String, upload: FakeSlackState.PendingUpload, contents: Data)] = []
            for file in requested {
                guard let id = file["id"]?.string, let upload = state.uploads[id], let contents = upload.contents else {
                    throw FakeSlackAPIFailure("file_not_found")
                }
                guard contents.count == upload.length else { throw FakeSlackAPIFailure("file_size_mismatch") }
                files.append((id, file["title"]?.string ?? upload.filename, upload, contents))
            }
            var shared: (FakeSlackMessage, FakeSlackChannel)?
            for file in files {
                state.uploads.removeValue(forKey: file.id)
                state.uploadedFiles.append(.init(id: file.id, name: file.upload.filename, contents: file.contents, channel: channel?.id, initialComment: comment))
            }
            if let channel {
                let message = FakeSlackMessage(
                    ts: state.workspace.nextTS(in: channel.id), user: botUserID, botID: botID, text: comment ?? "",
                    threadTS: state.workspace.threadRoot(in: channel.id, ts: arguments["thread_ts"]?.string), subtype: "file_share",
                    files: files.map { fileObject(id: $0.id, name: $0.upload.filename, title: $0.title, user: botUserID, size: $0.contents.count) }
                )
                state.workspace.append(message, to: channel.id)
                shared = (message, channel)
            }
            return (files.map { fileObject(id: $0.id, name: $0.upload.filename, title: $0.title, user: botUserID, size: $0.contents.count) }, shared)
        }
        if case let (message, channel)? = shared { await publish(messageEvent(message, in: channel), in: channel) }
        return ["ok": true, "files": .array(files)]
    }
}
