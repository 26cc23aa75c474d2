"""`read_user_file(path, what, limit)`: the bytes of a file a user names (a CA bundle, a
private key, a workflow file), or one sentence saying why not.

    data = read_user_file(path, "the workflow file", 1 * MiB)
    # UserFileError (a UsageError, exit 2): "the workflow file x.yaml is a named pipe
    # (FIFO), not a file: give a readable regular file"; `.problem` is the middle part,
    # for callers that phrase their own sentence

Only a regular file is read: a FIFO would block forever, a device (`/dev/zero`) never
ends, a folder has no bytes. The type and size are checked with `os.stat` before opening,
and again on the open descriptor (the path may have been swapped in between); the read
itself stops at `limit` bytes.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from crmlink.errors import UsageError

MiB = 1024 * 1024
FIX = "give a readable regular file"

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


class UserFileError(UsageError):
    """A file the user named that cannot be used: `what path problem: fix`."""

    def __init__(
        self, what: str, path: Path, problem: str, fix: str = FIX, reason: str = ""
    ) -> None:
        super().__init__(f"{what} {path} {problem}: {fix}", file=str(path))
        self.what, self.path, self.problem = what, path, problem
        self.reason = reason or problem  # in the OS's words when it has some


def read_user_file(path: str | Path, what: str, limit: int = 10 * MiB) -> bytes:
    """The bytes of `path`; `what` names it in refusals (e.g. "--ca-bundle", "the workflow
    file"). A UserFileError when it is missing, unreadable, not a regular file or over
    `limit` bytes."""
    file = Path(path).expanduser()
    try:
        _check_kind(os.stat(file), file, what, limit)
        fd = os.open(file, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise UserFileError(what, file, _unreadable(exc), reason=reason) from None
    with os.fdopen(fd, "rb") as handle:
        _check_kind(os.fstat(handle.fileno()), file, what, limit)
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise UserFileError(what, file, _too_big(limit))
    return data


def _unreadable(exc: OSError) -> str:
    if exc.errno == errno.ENOENT:
        return "does not exist"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "cannot be read (permission denied)"
    return f"cannot be read ({exc.strerror or exc})"


def _check_kind(info: os.stat_result, file: Path, what: str, limit: int) -> None:
    if not stat.S_ISREG(info.st_mode):
        kind = next((name for test, name in _KINDS if test(info.st_mode)), "a special file")
        reason = os.strerror(errno.EISDIR) if stat.S_ISDIR(info.st_mode) else f"{kind}, not a file"
        raise UserFileError(what, file, f"is {kind}, not a file", reason=reason)
    if info.st_size > limit:
        raise UserFileError(what, file, _too_big(limit))


def _too_big(limit: int) -> str:
    size = f"{limit // MiB} MiB" if limit >= MiB and limit % MiB == 0 else f"{limit} bytes"
    return f"is larger than {size}, more than such a file ever needs"
