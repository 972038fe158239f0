#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import RNNScript

/// The real file system and terminal behind a script: paths resolve against
/// the script's folder; training progress is drawn on stderr only when stderr
/// is a terminal.
final class FileHost: ScriptHost {
    /// The folder relative paths resolve against ("" for the working directory).
    var baseDirectory: String
    let showProgress: Bool
    /// `--timing`: time every train and report it on stderr.
    var timing = false
    private var lastDrawn = -1
    /// The Jupyter kernel's progress: instead of a bar, a line of text about
    /// once a second, from the second second of a `train` on.
    var progressLine: ((String) -> Void)?
    private var lineTimes: (start: Double, last: Double)?

    init(baseDirectory: String, showProgress: Bool) {
        self.baseDirectory = baseDirectory
        self.showProgress = showProgress
    }

    func clock() -> Double? {
        timing ? Self.monotonicSeconds() : nil
    }

    static func monotonicSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) * 1e-9
    }

    func trainingTimed(model: String, steps: Int, seconds: Double, threads: Int) {
        let rate = seconds > 0 ? Double(steps) / seconds : 0
        Terminal.writeError("timing: train \(model): \(steps) chars in \(NumberFormatting.fixed(seconds, 3)) s, "
                            + "\(NumberFormatting.fixed(rate, 0)) chars/s, peak memory \(Self.peakMemoryMiB()) MiB, "
                            + "\(threads) runtime thread\(threads == 1 ? "" : "s")\n")
    }

    /// The process's peak resident memory (VmHWM), in MiB.
    static func peakMemoryMiB() -> String {
        guard let status = try? read("/proc/self/status", shownAs: "status") else { return "?" }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let kib = line.split(separator: " ").compactMap { Double($0) }.first ?? 0
            return NumberFormatting.fixed(kib / 1024, 1)
        }
        return "?"
    }

    func resolve(_ path: String) -> String {
        if path.hasPrefix("/") || baseDirectory.isEmpty { return path }
        return baseDirectory + "/" + path
    }

    /// A data file.
    func readFile(_ path: String) throws -> String {
        try readFile(path, kind: .data)
    }

    func readFile(_ path: String, kind: FileKind) throws -> String {
        try FileSystem.readText(resolve(path), shownAs: path, kind: kind)
    }

    func readBytes(_ path: String, kind: FileKind) throws -> [UInt8] {
        try FileSystem.readBytes(resolve(path), shownAs: path, limit: kind.sizeLimit, kind: kind.description)
    }

    /// A small system file (`/proc/self/status`).
    static func read(_ fullPath: String, shownAs path: String) throws -> String {
        String(decoding: try FileSystem.readBytes(fullPath, shownAs: path, limit: 1 << 20, kind: "a system file"), as: UTF8.self)
    }

    /// Atomically: a failed write leaves an existing file as it was.
    func writeFile(_ path: String, contents: String) throws {
        try FileSystem.writeAtomically(resolve(path), shownAs: path, bytes: Array(contents.utf8))
    }

    func writeBytes(_ path: String, _ bytes: [UInt8]) throws {
        try FileSystem.writeAtomically(resolve(path), shownAs: path, bytes: bytes)
    }

    func trainingProgress(epoch: Int, of total: Int, loss: Double) {
        if let progressLine {
            let now = Self.monotonicSeconds()
            let times = lineTimes ?? (start: now, last: now)
            lineTimes = times
            if now - times.last >= 1 || (epoch == total && now - times.start >= 1) {
                lineTimes = (times.start, now)
                progressLine("  training epoch \(epoch)/\(total)  loss \(NumberFormatting.fixed(loss))\n")
            }
            return
        }
        guard showProgress, total > 0 else { return }
        let width = 30
        let filled = epoch * width / total
        // Redraw only when the bar moves or at the end, so the terminal is not flooded.
        if filled == lastDrawn && epoch != total { return }
        lastDrawn = filled
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        Terminal.writeError("\r  training [\(bar)] epoch \(epoch)/\(total)  loss \(NumberFormatting.fixed(loss))\u{1B}[K")
    }

    func trainingFinished() {
        lineTimes = nil
        if showProgress && lastDrawn >= 0 { Terminal.writeError("\r\u{1B}[K") }
        lastDrawn = -1
    }

    func shouldInterrupt() -> Bool { Interrupt.consume() }
}

/// Ctrl-C during a long computation: the handler sets a flag; training polls it
/// between updates and stops cleanly.
enum Interrupt {
    nonisolated(unsafe) static var requested: sig_atomic_t = 0

    /// True once after each Ctrl-C.
    static func consume() -> Bool {
        if requested != 0 { requested = 0; return true }
        return false
    }
}
