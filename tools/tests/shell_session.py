#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""shell_session.py VMTEST [OPTION...]: a person at `VMTEST --shell OPTION...`.

Runs it on a pseudo-terminal (input piped into the serial console is read
before the guest's shell starts, so only a terminal can drive one), waits
for the shell's prompt, types a command whose output differs from what is
typed, waits for that output, types `exit` and reads until the VM ends.
Prints what the terminal showed (carriage returns removed) on standard
output, with the line "@@SESSION-EXIT-TYPED@@" where `exit` was typed.
Exits with VMTEST's status, or 3 when a step did not happen within its
bound (the VM is then killed).
"""
import os
import pty
import re
import select
import signal
import sys
import time

BOOT_SECONDS = 240      # TCG: a boot takes 6 s on an idle host, far more under load
STEP_SECONDS = 60
COMMAND = b"echo shell-$((6 * 7))-says\n"
OUTPUT = b"shell-42-says"       # what the shell prints, not what was typed
# After its prompt busybox's line editor may ask where the cursor is (ESC [6n);
# an answer is optional, so none is given.
PROMPT = re.compile(rb"[#$] (?:\x1b\[6n)?$")
# The guest's serial port keeps 16 bytes: type like a person, a key at a time.
KEY_SECONDS = 0.05


def type_keys(fd, keys):
    for key in keys:
        os.write(fd, bytes([key]))
        time.sleep(KEY_SECONDS)


def main():
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(sys.argv[1], sys.argv[1:2] + ["--shell"] + sys.argv[2:])
    seen = bytearray()

    def read_until(done, seconds):
        """Read the terminal until done(seen), its end, or the bound."""
        deadline = time.monotonic() + seconds
        while not done(seen):
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            if not select.select([fd], [], [], left)[0]:
                continue
            try:
                chunk = os.read(fd, 4096)
            except OSError:     # EIO: every writer is gone
                chunk = b""
            if not chunk:
                return done(seen)
            seen.extend(chunk)
        return True

    def guest_prompt(text):
        up = text.find(b"vmtest: guest up")
        return up >= 0 and PROMPT.search(bytes(text[up:])) is not None

    typed_at = None
    ok = read_until(guest_prompt, BOOT_SECONDS)
    if ok:
        type_keys(fd, COMMAND)
        ok = read_until(lambda text: OUTPUT in text, STEP_SECONDS)
    if ok:
        typed_at = len(seen)
        type_keys(fd, b"exit\n")
        read_until(lambda text: False, STEP_SECONDS)    # to the end: the VM stops by itself
    status = None
    deadline = time.monotonic() + STEP_SECONDS
    while ok and status is None and time.monotonic() < deadline:
        done, waited = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            status = waited
        else:
            time.sleep(0.1)
    if status is None:
        os.killpg(pid, signal.SIGKILL)      # pty.fork made VMTEST a session (and group) leader
        os.waitpid(pid, 0)
    if typed_at is not None:
        seen[typed_at:typed_at] = b"\n@@SESSION-EXIT-TYPED@@\n"
    sys.stdout.write(bytes(seen).replace(b"\r", b"").decode("utf-8", "replace"))
    sys.exit(os.waitstatus_to_exitcode(status) if status is not None else 3)


if __name__ == "__main__":
    main()
