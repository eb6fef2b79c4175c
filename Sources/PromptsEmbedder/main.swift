import Foundation

// Writes a Swift file holding the given files of a folder, base64-encoded (so no content can break the literal):
//   PromptsEmbedder <folder> <output.swift> <relative path>...
let arguments = CommandLine.arguments.dropFirst()
guard arguments.count >= 2 else {
    FileHandle.standardError.write(Data("usage: PromptsEmbedder <folder> <output.swift> <file>...\n".utf8))
    exit(2)
}
let folder = URL(fileURLWithPath: arguments[arguments.startIndex])
let output = URL(fileURLWithPath: arguments[arguments.startIndex + 1])
var lines = [
    "// Generated from Prompts/ at build time by the EmbedPrompts plugin; do not edit.",
    "import Foundation",
    "",
    "/// The `Prompts/` files shipped with this build, by path relative to `Prompts/`.",
    "enum DefaultPrompts {",
    "    static let base64: [String: String] = [",
]
for name in arguments.dropFirst(2) {
    let data = try Data(contentsOf: folder.appendingPathComponent(name))
    lines.append("        \"\(name)\": \"\(data.base64EncodedString())\",")
}
lines += ["    ]", "}", ""]
try lines.joined(separator: "\n").write(to: output, atomically: true, encoding: .utf8)
