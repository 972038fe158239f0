#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import RNNScript

/// Every file rnnscript reads or writes goes through here.
///
/// Reading: regular files only (a directory, a FIFO or a device is refused
/// before it is opened, so nothing blocks or reads forever), at most the
/// kind's size limit (checked before reading, and the read itself stops one
/// byte past the limit, so a file that grows cannot grow memory), UTF-8 only.
///
/// Writing is atomic: the bytes go to a temporary file in the target's
/// folder, every write is checked, the file is synced and closed (checked
/// too) and renamed over the target. On any failure the temporary is
/// removed and an existing target is left exactly as it was. A target that
/// exists but is not a regular file (a directory, `/dev/full`, a FIFO) is
/// refused: renaming over it would replace the device or folder entry.
enum FileSystem {
    // MARK: Reading

    /// A file's text: checked, bounded, decoded (a leading byte-order mark dropped).
    static func readText(_ fullPath: String, shownAs path: String, kind: FileKind) throws(HostError) -> String {
        let bytes = try readBytes(fullPath, shownAs: path, limit: kind.sizeLimit, kind: kind.description)
        do {
            return try TextDecoding.decode(bytes)
        } catch {
            throw HostError.unreadable(path, reason: error.description)
        }
    }

    /// At most `limit` bytes of a regular file.
    static func readBytes(_ fullPath: String, shownAs path: String, limit: Int, kind: String) throws(HostError) -> [UInt8] {
        var info = stat()
        guard stat(fullPath, &info) == 0 else {
            let code = errno
            if code == ENOENT || code == ENOTDIR { throw HostError.notFound(path) }
            throw HostError.unreadable(path, reason: reason(code))
        }
        if let problem = notRegular(info) { throw HostError.unreadable(path, reason: problem) }
        if Int(info.st_size) > limit { throw HostError.unreadable(path, reason: tooLarge(Int(info.st_size), limit: limit, kind: kind)) }
        // O_NONBLOCK: should the path have been swapped for a FIFO since the
        // stat, opening it does not wait for a writer (fstat then refuses it).
        let fd = open(fullPath, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw HostError.unreadable(path, reason: reason(errno)) }
        defer { close(fd) }
        guard fstat(fd, &info) == 0 else { throw HostError.unreadable(path, reason: reason(errno)) }
        if let problem = notRegular(info) { throw HostError.unreadable(path, reason: problem) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(min(Int(info.st_size), limit) + 1)
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            // Never more than one byte past the limit: enough to know it was passed.
            let want = min(chunk.count, limit + 1 - bytes.count)
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, want) }
            if n < 0 {
                if errno == EINTR { continue }
                throw HostError.unreadable(path, reason: reason(errno))
            }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
            if bytes.count > limit {
                throw HostError.unreadable(path, reason: tooLarge(nil, limit: limit, kind: kind))
            }
        }
        return bytes
    }

    // MARK: Writing

    /// Writes `bytes` to `fullPath` atomically (see the type's comment).
    static func writeAtomically(_ fullPath: String, shownAs path: String, bytes: [UInt8]) throws(HostError) {
        var target = fullPath
        var info = stat()
        var existingMode: mode_t?
        if stat(target, &info) == 0 {
            if let problem = notRegular(info) {
                throw HostError.unwritable(path, reason: problem + "; files are written whole, to a temporary file renamed over the target")
            }
            existingMode = info.st_mode & 0o7777
            // A symbolic link keeps pointing where it did: replace the file it names.
            if let real = realpath(target, nil) {
                target = String(cString: real)
                free(real)
            }
        } else if errno != ENOENT {
            throw HostError.unwritable(path, reason: reason(errno))
        }
        let folder = directory(of: target)
        // SIGINT, SIGTERM, SIGHUP and SIGQUIT wait until the file is complete
        // or removed, so that no signal leaves a temporary file behind.
        let saved = blockTerminatingSignals()
        defer { restoreSignals(saved) }
        let temporary = try createTemporary(named: target.split(separator: "/").last.map(String.init) ?? target,
                                            in: folder, shownAs: path)
        func fail(_ code: Int32) -> HostError {
            unlink(temporary.path)
            return HostError.unwritable(path, reason: reason(code))
        }
        let fd = temporary.fd
        if let existingMode, fchmod(fd, existingMode) != 0 {
            let code = errno
            close(fd)
            throw fail(code)
        }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, min(bytes.count - written, 1 << 20)) }
            if n < 0 {
                if errno == EINTR { continue }
                let code = errno
                close(fd)
                throw fail(code)
            }
            written += n
        }
        if fsync(fd) != 0 {
            let code = errno
            close(fd)
            throw fail(code)
        }
        if close(fd) != 0 { throw fail(errno) }
        if rename(temporary.path, target) != 0 { throw fail(errno) }
        // The rename itself reaches the disk with the folder (best effort:
        // some file systems cannot sync a folder, and the file is complete).
        let dirFD = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dirFD >= 0 {
            _ = fsync(dirFD)
            close(dirFD)
        }
    }

    nonisolated(unsafe) private static var temporaryCounter = 0

    /// A new, empty file `.NAME.tmp-PID-N` in `folder`, created exclusively.
    private static func createTemporary(named name: String, in folder: String, shownAs path: String) throws(HostError) -> (path: String, fd: Int32) {
        // Keep the temporary's name within NAME_MAX (255 bytes).
        var short = ""
        for scalar in name.unicodeScalars {
            if short.utf8.count + String(scalar).utf8.count > 200 { break }
            short.unicodeScalars.append(scalar)
        }
        while true {
            temporaryCounter += 1
            let candidate = (folder == "/" ? "/" : folder + "/") + "." + short + ".tmp-\(getpid())-\(temporaryCounter)"
            let fd = open(candidate, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
            if fd >= 0 { return (candidate, fd) }
            let code = errno
            if code == EEXIST && temporaryCounter < 1_000_000 { continue }
            if code == ENOENT { throw HostError.unwritable(path, reason: "no such folder '\(folder)'") }
            throw HostError.unwritable(path, reason: reason(code))
        }
    }

    private static func blockTerminatingSignals() -> sigset_t {
        var block = sigset_t(), saved = sigset_t()
        sigemptyset(&block)
        for signal in [SIGINT, SIGTERM, SIGHUP, SIGQUIT] { sigaddset(&block, signal) }
        sigprocmask(SIG_BLOCK, &block, &saved)
        return saved
    }

    private static func restoreSignals(_ saved: sigset_t) {
        var saved = saved
        sigprocmask(SIG_SETMASK, &saved, nil)
    }

    /// Why a file about to be written cannot be, checked before any work: nil
    /// when a regular file may be created or replaced there (its folder exists).
    static func writeProblem(_ fullPath: String) -> String? {
        var info = stat()
        if stat(fullPath, &info) == 0 { return notRegular(info) }
        if errno != ENOENT { return reason(errno) }
        let folder = directory(of: fullPath)
        guard stat(folder, &info) == 0 else { return errno == ENOENT ? "no such folder '\(folder)'" : reason(errno) }
        return (info.st_mode & S_IFMT) == S_IFDIR ? nil : "'\(folder)' is not a folder"
    }

    /// Creates a folder and any missing parents (`mkdir -p`).
    static func makeDirectories(_ fullPath: String) throws(HostError) {
        var path = fullPath.hasPrefix("/") ? "" : "."
        for component in fullPath.split(separator: "/") {
            path += "/" + component
            if mkdir(path, 0o755) != 0 && errno != EEXIST { throw .unwritable(fullPath, reason: reason(errno)) }
        }
        var info = stat()
        guard stat(fullPath, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
            throw .unwritable(fullPath, reason: "'\(fullPath)' is not a folder")
        }
    }

    // MARK: Helpers

    /// The folder of a path ("." when it has none).
    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let folder = String(path[..<slash])
        return folder.isEmpty ? "/" : folder
    }

    /// nil for a regular file, else what it is.
    static func notRegular(_ info: stat) -> String? {
        switch info.st_mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFDIR: return "it is a directory"
        case S_IFIFO: return "it is a FIFO (named pipe), not a regular file"
        case S_IFCHR: return "it is a character device, not a regular file"
        case S_IFBLK: return "it is a block device, not a regular file"
        case S_IFSOCK: return "it is a socket, not a regular file"
        default: return "it is not a regular file"
        }
    }

    static func tooLarge(_ size: Int?, limit: Int, kind: String) -> String {
        let has = size.map { " (it has \($0) bytes)" } ?? ""
        return "larger than the limit of \(limit >> 20) MiB for \(kind)\(has)"
    }

    /// strerror's text, lowercase like every diagnostic ("no space left on device").
    static func reason(_ code: Int32) -> String {
        let text = String(cString: strerror(code))
        guard let first = text.first else { return "error \(code)" }
        return first.lowercased() + text.dropFirst()
    }
}
