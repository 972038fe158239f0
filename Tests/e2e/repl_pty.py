#!/usr/bin/env python3
"""The rnnscript REPL through a real pseudo-terminal, as a person uses it.

Usage: repl_pty.py PATH/TO/rnnscript
Checks the prompt, TAB completion of `net.`, an error followed by a working
command, Ctrl-C at the prompt and during a long `train`, Ctrl-D, and history
recalled with the up arrow in a second session. Exits 0 when all pass.
"""
import os
import sys
import tempfile
import time

import pexpect

binary = sys.argv[1]
home = tempfile.mkdtemp(prefix="rnnscript-pty-")
history = os.path.join(home, "history")
env = dict(os.environ, TERM="xterm", HOME=home, RNNSCRIPT_HISTORY=history, NO_COLOR="1")
PROMPT = "rnn> "
failures = []
passes = []


def check(name, condition):
    print(("ok   " if condition else "FAIL ") + name)
    (passes if condition else failures).append(name)


def spawn():
    child = pexpect.spawn(binary, env=env, encoding="utf-8", timeout=20, dimensions=(40, 200))
    child.expect_exact(PROMPT)
    return child


def keys(child, text, pause=0.15):
    """Types one key at a time, as readline expects for TAB."""
    for key in text:
        child.send(key)
        time.sleep(pause)


child = spawn()
check("prompt", True)

child.sendline("vocab chars = ['d', 'e', 'p', <stop>]")
child.expect_exact(PROMPT)
child.sendline('sequence deep = "deep" over chars predicting next')
child.expect_exact(PROMPT)
child.sendline("model net = rnn { input 4; hidden 3; output 4 }")
child.expect_exact(PROMPT)
child.sendline("loss xent = cross_entropy")
child.expect_exact(PROMPT)
child.sendline("optimizer opt = sgd { lr 0.01 }")
child.expect_exact(PROMPT)

# TAB completion: `net.` lists the parameters (first TAB may beep, the second lists).
keys(child, "show net.")
keys(child, "\t\t", pause=0.4)
try:
    child.expect(r"net\.U\s+net\.V", timeout=5)
    check("TAB after 'net.' lists its parameters", True)
except pexpect.TIMEOUT:
    check("TAB after 'net.' lists its parameters", False)
# Complete to net.W and run it.
keys(child, "W\r")
child.expect_exact("net.W  (3×3)")
child.expect_exact(PROMPT)
check("completed line runs", True)

# An error, then a working command: the session is intact.
child.sendline("show net.X")
child.expect_exact("error: model net has no parameter 'X'")
child.expect_exact(PROMPT)
child.sendline("show shape(net.U)")
child.expect_exact("shape(net.U)  (1×2)")
child.expect_exact(PROMPT)
check("error then a working command", True)

# Ctrl-C at the prompt clears the line.
keys(child, "show this is not finished")
child.send("\x03")
child.expect_exact(PROMPT)
child.sendline("1 + 1")
child.expect_exact("1 + 1 = 2.0000")
child.expect_exact(PROMPT)
check("Ctrl-C at the prompt gives a fresh line", True)

# Ctrl-C during a long train stops it after the current update, parameters kept.
child.sendline("train net on deep with xent, opt for 100000000 epochs")
time.sleep(1.5)
child.send("\x03")
try:
    child.expect_exact("interrupted in epoch", timeout=20)
    child.expect_exact(PROMPT)
    check("Ctrl-C during train returns to the prompt", True)
except pexpect.TIMEOUT:
    check("Ctrl-C during train returns to the prompt", False)
child.sendline("1 + 41")
child.expect_exact("1 + 41 = 42.0000")
child.expect_exact(PROMPT)
check("the session is alive after the interrupt", True)

# Ctrl-D leaves with status 0 and writes the history.
child.sendeof()
child.expect(pexpect.EOF)
child.close()
check("Ctrl-D exits with status 0", child.exitstatus == 0)
check("history written", os.path.exists(history) and "1 + 41" in open(history).read())

# A second session recalls the last entry with the up arrow.
child = spawn()
child.send("\x1b[A")
time.sleep(0.3)
child.send("\r")
child.expect_exact("1 + 41 = 42.0000")
child.expect_exact(PROMPT)
check("history recalled with the up arrow", True)
child.sendline(":quit")
child.expect(pexpect.EOF)
child.close()
check(":quit exits with status 0", child.exitstatus == 0)

print(f"{len(passes)} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
