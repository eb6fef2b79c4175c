import Foundation

/// Corrections to what was written: edit, remove, reword.
extension PostmortemSession {
    // MARK: Corrections

    mutating func edit(_ target: PostmortemRequest.EntryTarget, text: String) -> [Reply] {
        switch target {
        case let .entry(n):
            guard let index = draft.entries.firstIndex(where: { $0.number == n }) else { return [say(.unknownEntry, ["ref": "P\(n)"])] }
            return replaceText(at: index, with: text, key: .entryEdited)
        case let .section(section):
            guard let index = draft.entries.lastIndex(where: { $0.section == section }) else { return add(section, text: text, field: nil) }
            return replaceText(at: index, with: text, key: .entryEdited)
        case let .action(n):
            guard let index = draft.actions.firstIndex(where: { $0.number == n }) else {
                return [say(.unknownAction, ["ref": ActionItem.reference(n)])]
            }
            draft.actions[index].text = desk.redact(text)
            draft.actions[index].findings = desk.actionCheck.check(draft.actions[index], today: now)
            var lines = [guide.render(.entryEdited, ["ref": draft.actions[index].reference, "text": draft.actions[index].text])]
            lines += draft.actions[index].findings.map { guide.render(.findingLine, ["excerpt": $0.excerpt, "suggestion": $0.suggestion]) }
            return [Reply(.ephemeral, lines.joined(separator: "\n"))]
        }
    }

    mutating func replaceText(at index: Int, with text: String, key: PostmortemText) -> [Reply] {
        let text = desk.redact(text)
        let result = checkBlame(text)
        draft.entries[index].text = text
        draft.entries[index].editedAt = now
        draft.entries[index].findings = result.findings
        draft.entries[index].suggestedText = result.suggestedText
        draft.entries[index].kept = false
        let entry = draft.entries[index]
        return [Reply(.ephemeral, ([guide.render(key, ["ref": entry.reference, "text": entry.text])] + view.findingLines(entry)).joined(separator: "\n"))]
    }

    mutating func remove(_ target: PostmortemRequest.EntryTarget) -> [Reply] {
        switch target {
        case let .entry(n):
            guard let entry = draft.entry(n) else { return [say(.unknownEntry, ["ref": "P\(n)"])] }
            draft.entries.removeAll { $0.number == n }
            // Whys that explained the removed one now explain its parent, so the chain stays connected.
            for i in draft.entries.indices where draft.entries[i].parent == n { draft.entries[i].parent = entry.parent }
            return [say(.entryRemoved, ["ref": entry.reference, "text": entry.text])]
        case let .action(n):
            guard let item = draft.actions.first(where: { $0.number == n }) else { return [say(.unknownAction, ["ref": ActionItem.reference(n)])] }
            draft.actions.removeAll { $0.number == n }
            return [say(.entryRemoved, ["ref": item.reference, "text": item.text])]
        case let .section(section):
            guard let entry = draft.entries.last(where: { $0.section == section }) else { return [say(.unknownEntry, ["ref": section.rawValue])] }
            return remove(.entry(entry.number))
        }
    }
}
