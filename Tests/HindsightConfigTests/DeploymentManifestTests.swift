import Foundation
import HindsightConfig
import HindsightServer
import Testing
import Yams

/// The deployment files are read as an operator's tools would read them and checked against the code, so a renamed
/// route, port or setting cannot leave them silently wrong.
@Suite("Deploy/ agrees with the code")
struct DeploymentManifestTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func documents(_ path: String) throws -> [[String: Any]] {
        let text = try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
        return try Yams.load_all(yaml: text).compactMap { $0 as? [String: Any] }
    }

    static func kind(_ kind: String, in path: String) throws -> [String: Any] {
        try #require(try documents(path).first { $0["kind"] as? String == kind }, "no \(kind) in \(path)")
    }

    /// The two Kubernetes variants: one replica on a SQLite volume, two on PostgreSQL.
    static let manifests = ["Deploy/kubernetes/hindsight.yaml", "Deploy/kubernetes/hindsight-replicas.yaml"]

    static func podSpec(in path: String) throws -> [String: Any] {
        let deployment = try kind("Deployment", in: path)
        let template = try #require((deployment["spec"] as? [String: Any])?["template"] as? [String: Any])
        return try #require(template["spec"] as? [String: Any])
    }

    static func container(in path: String) throws -> [String: Any] {
        try #require((try podSpec(in: path)["containers"] as? [[String: Any]])?.first)
    }

    static let defaultPort = Int(Settings.catalog["HINDSIGHT_HTTP_PORT"]?.defaultValue ?? "") ?? -1

    @Test("every probe asks a GET route the server has, on the container's named HTTP port", arguments: manifests)
    func probes(manifest: String) throws {
        let container = try Self.container(in: manifest)
        for probe in ["startupProbe", "livenessProbe", "readinessProbe"] {
            let get = try #require((container[probe] as? [String: Any])?["httpGet"] as? [String: Any], "\(probe)")
            let path = try #require(get["path"] as? String)
            #expect(HTTPSurface.entry(for: .init(method: "GET", path: path)) != nil, "\(probe) asks \(path)")
            #expect(get["port"] as? String == "http")
        }
        let ports = try #require(container["ports"] as? [[String: Any]])
        #expect(ports.contains { $0["name"] as? String == "http" && $0["containerPort"] as? Int == Self.defaultPort })
    }

    @Test("the Service exposes the container's HTTP port; the Ingress example routes only callback and webhook paths", arguments: manifests)
    func serviceAndIngress(manifest: String) throws {
        let service = try Self.kind("Service", in: manifest)
        let ports = try #require((service["spec"] as? [String: Any])?["ports"] as? [[String: Any]])
        #expect(ports.contains { $0["targetPort"] as? String == "http" && $0["port"] as? Int == Self.defaultPort })
        let ingress = try Self.kind("Ingress", in: "Deploy/kubernetes/ingress.example.yaml")
        let rules = try #require((ingress["spec"] as? [String: Any])?["rules"] as? [[String: Any]])
        let paths = rules.flatMap { (($0["http"] as? [String: Any])?["paths"] as? [[String: Any]]) ?? [] }.compactMap { $0["path"] as? String }
        #expect(!paths.isEmpty)
        for prefix in paths {
            let routes = HTTPSurface.routes.filter { $0.route.path.hasPrefix(prefix) }
            #expect(!routes.isEmpty && routes.allSatisfy { $0.route.method == "POST" }, "\(prefix) routes only callbacks and webhooks")
        }
    }

    @Test("every environment variable the manifest sets is a real setting; secrets come from an existing Secret, not inline",
          arguments: manifests)
    func environment(manifest: String) throws {
        let container = try Self.container(in: manifest)
        let env = try #require(container["env"] as? [[String: Any]])
        for entry in env {
            let name = try #require(entry["name"] as? String)
            // A secret's X_FILE names a file (mounted from a Secret), not the secret itself.
            let setting = name.hasSuffix("_FILE") ? String(name.dropLast(5)) : name
            #expect(Settings.catalog[setting] != nil, "\(name) is not a setting")
            #expect(Settings.catalog[setting]?.secret != true || name.hasSuffix("_FILE"), "\(name) is a secret: put it in the Secret")
        }
        let from = try #require(container["envFrom"] as? [[String: Any]])
        #expect(from.contains { ($0["secretRef"] as? [String: Any])?["name"] as? String == "hindsight" })
        #expect(try Self.documents(manifest).allSatisfy { $0["kind"] as? String != "Secret" })
        let prompts = try #require(env.first { $0["name"] as? String == "HINDSIGHT_PROMPTS" }?["value"] as? String)
        let mounts = try #require(container["volumeMounts"] as? [[String: Any]])
        #expect(mounts.contains { $0["mountPath"] as? String == prompts })
    }

    @Test("the replicas' variant: two on PostgreSQL, migrated first, never both down on purpose, the password from a file")
    func replicas() throws {
        let path = "Deploy/kubernetes/hindsight-replicas.yaml"
        let deployment = try Self.kind("Deployment", in: path)
        let spec = try #require(deployment["spec"] as? [String: Any])
        #expect(spec["replicas"] as? Int == 2)
        let budget = try Self.kind("PodDisruptionBudget", in: path)
        #expect((budget["spec"] as? [String: Any])?["minAvailable"] as? Int == 1)
        let pod = try Self.podSpec(in: path)
        let initContainer = try #require((pod["initContainers"] as? [[String: Any]])?.first)
        #expect(initContainer["args"] as? [String] == ["migrate"])
        let env = try #require(try Self.container(in: path)["env"] as? [[String: Any]])
        let passwordFile = try #require(env.first { $0["name"] as? String == "HINDSIGHT_DB_PASSWORD_FILE" }?["value"] as? String)
        let mounts = try #require(try Self.container(in: path)["volumeMounts"] as? [[String: Any]])
        #expect(mounts.contains { passwordFile.hasPrefix(($0["mountPath"] as? String ?? "-") + "/") })
        #expect(!env.contains { $0["name"] as? String == "HINDSIGHT_DB" }, "the database URL comes from the hindsight-db Secret")
    }

    @Test("the Dockerfile's dependency layer names every target folder, exposes the port and health-checks with the binary")
    func dockerfile() throws {
        let text = try String(contentsOf: Self.root.appendingPathComponent("Deploy/Dockerfile"), encoding: .utf8)
        let copied = ["Sources/CCurl", "Sources/CLibWebSockets", "Sources/PromptsEmbedder"]
        var folders: [String] = []
        for parent in ["Sources", "Tests"] {
            for name in try FileManager.default.contentsOfDirectory(atPath: Self.root.appendingPathComponent(parent).path).sorted()
            where !name.hasPrefix(".") && !copied.contains("\(parent)/\(name)") && name != "Fixtures" {
                folders.append("\(parent)/\(name)")
            }
        }
        for folder in folders { #expect(text.contains(" \(folder) ") || text.contains(" \(folder);"), "Dockerfile placeholder list lacks \(folder)") }
        #expect(text.contains("EXPOSE \(Self.defaultPort)"))
        #expect(text.contains(#"HEALTHCHECK"#) && text.contains(#""healthcheck"]"#))
        #expect(text.contains("org.opencontainers.image.title"))
    }
}
