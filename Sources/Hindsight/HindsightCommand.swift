import ArgumentParser

@main
struct HindsightCommand: ParsableCommand {
    func run() throws { print("hindsight") }
}
