#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// The standard streams. Every write to standard output is checked: a full
/// or closed stdout (`> /dev/full`, `>&-`) ends the run with status 74 and a
/// message on stderr; a closed pipe (`| head -1`) ends it quietly, by SIGPIPE,
/// as for any Unix filter. Output is written as it is produced (no buffer),
/// so every cell that completed is out before the next one starts, even if
/// the process is then killed.
enum Terminal {
    /// The status of a run that could not write its output (EX_IOERR).
    static let outputFailureStatus: Int32 = 74

    /// Once at start-up, before any file is opened:
    /// - a standard stream that is closed gets /dev/null opened in its place,
    ///   so that no file opened later takes its number (stdout's /dev/null is
    ///   opened read-only, so that writing to it still fails as for a closed
    ///   stream);
    /// - SIGPIPE is delivered with its default action (a parent may have
    ///   ignored or blocked it), and SIGINT, SIGTERM and SIGHUP are not
    ///   blocked (threads of a test runner block signals, and children inherit
    ///   the mask), so that in a batch run they end the process; a signal a
    ///   parent chose to ignore (`nohup`, a background job) stays ignored;
    /// - SIGXFSZ is ignored, so that a file-size limit (`ulimit -f`) makes a
    ///   write fail with an error we report, instead of killing the process;
    /// - standard output written by anything else (argument parsing's help)
    ///   is flushed and checked at exit, and stdout is closed (checked too).
    static func prepare() {
        for (fd, flags) in [(STDIN_FILENO, O_RDONLY), (STDOUT_FILENO, O_RDONLY), (STDERR_FILENO, O_WRONLY)] {
            if fcntl(fd, F_GETFD) == -1 && errno == EBADF {
                let opened = open("/dev/null", flags)
                if opened >= 0 && opened != fd {
                    dup2(opened, fd)
                    close(opened)
                }
            }
        }
        signal(SIGPIPE, SIG_DFL)
        var mask = sigset_t()
        sigemptyset(&mask)
        for signal in [SIGPIPE, SIGINT, SIGTERM, SIGHUP] { sigaddset(&mask, signal) }
        sigprocmask(SIG_UNBLOCK, &mask, nil)
        signal(SIGXFSZ, SIG_IGN)
        atexit {
            if fflush(stdout) != 0 { Terminal.outputFailed(errno) }
            // Some file systems report a failed write only when the file is closed.
            if close(STDOUT_FILENO) != 0 && errno != EBADF && errno != EINTR { Terminal.outputFailed(errno) }
        }
    }

    /// Writes to standard output, or ends the process if it cannot.
    static func write(_ text: String) {
        // Anything written through stdio (readline's prompt) goes first.
        fflush(stdout)
        var text = text
        text.withUTF8 { buffer in
            var done = 0
            while done < buffer.count {
                let n = Glibc.write(STDOUT_FILENO, buffer.baseAddress! + done, buffer.count - done)
                if n >= 0 { done += n; continue }
                switch errno {
                case EINTR: continue
                case EAGAIN:
                    // A non-blocking stdout inherited from the parent: wait until it takes more.
                    var ready = pollfd(fd: STDOUT_FILENO, events: Int16(POLLOUT), revents: 0)
                    _ = poll(&ready, 1, -1)
                default: outputFailed(errno)
                }
            }
        }
    }

    /// A write to stdout failed: a broken pipe ends the process quietly (as
    /// SIGPIPE does), anything else with a message and status 74.
    static func outputFailed(_ code: Int32) -> Never {
        if code == EPIPE {
            signal(SIGPIPE, SIG_DFL)
            var mask = sigset_t()
            sigemptyset(&mask)
            sigaddset(&mask, SIGPIPE)
            sigprocmask(SIG_UNBLOCK, &mask, nil)
            raise(SIGPIPE)
            _exit(128 + SIGPIPE)
        }
        writeError("rnnscript: error: cannot write to standard output: \(FileSystem.reason(code))\n")
        _exit(outputFailureStatus)
    }

    /// Writes to standard error; failures are ignored (there is nowhere left to report them).
    static func writeError(_ text: String) {
        var text = text
        text.withUTF8 { buffer in
            var done = 0
            while done < buffer.count {
                let n = Glibc.write(STDERR_FILENO, buffer.baseAddress! + done, buffer.count - done)
                if n > 0 { done += n } else if n < 0 && errno == EINTR { continue } else { return }
            }
        }
    }

    static func isTerminal(_ fd: Int32) -> Bool { isatty(fd) != 0 }

    /// Whether the locale's character set is UTF-8: the first of LC_ALL,
    /// LC_CTYPE and LANG that is set names it (none set is the C locale).
    static func localeIsUTF8() -> Bool {
        for name in ["LC_ALL", "LC_CTYPE", "LANG"] {
            guard let value = getenv(name).map({ String(cString: $0) }), !value.isEmpty else { continue }
            let lowered = value.lowercased()
            return lowered.contains("utf-8") || lowered.contains("utf8")
        }
        return false
    }

    /// Colour only for a terminal, with TERM not "dumb" and NO_COLOR unset.
    static func colorAllowed(_ fd: Int32) -> Bool {
        guard isTerminal(fd), getenv("NO_COLOR") == nil else { return false }
        if let term = getenv("TERM"), String(cString: term) == "dumb" { return false }
        return true
    }
}
