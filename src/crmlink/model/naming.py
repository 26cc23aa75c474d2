"""Safe local names for remote things: deterministic, collision-free, for any database.

CRM metadata is untrusted (quotes, SQL, unicode, 200-character names), so a local name
keeps only `[a-z0-9_]`, starts with a letter, fits PostgreSQL's 63 bytes, and carries a
short hash of the original when it had to be changed or shortened — so two different
remote names can never end up with the same local name.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

MAX_IDENT = 63
_UNSAFE = re.compile(r"[^a-z0-9_]+")


def short_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:8]  # noqa: S324 - not security


def _plain(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _UNSAFE.sub("_", ascii_text.lower()).strip("_")


def safe_identifier(text: str, prefix: str = "c", max_len: int = MAX_IDENT) -> str:
    """A lower-case identifier for `text`; exact lower-casing when that is already safe."""
    plain = _plain(text) or prefix
    if not plain[0].isalpha():
        plain = f"{prefix}_{plain}"
    if len(plain) > max_len:
        plain = plain[: max_len - 9].rstrip("_")
        return f"{plain}_{short_hash(text)}"
    return plain


def unique_names(
    names: list[str], prefix: str = "c", taken: dict[str, str] | None = None
) -> dict[str, str]:
    """Map each remote name to a distinct safe identifier, deterministically.

    `taken` holds names already assigned (remote -> local, from an earlier wizard run):
    they keep their local name. Names whose safe forms collide with each other or with a
    taken one (`Foo Bar` and `foo_bar`, case variants) get the hash of their original
    appended, so the result never depends on the order given.
    """
    taken = dict(taken or {})
    fresh = [n for n in names if n not in taken]
    first = {name: safe_identifier(name, prefix) for name in fresh}
    used = set(taken.values())
    counts: dict[str, int] = {}
    for local in first.values():
        counts[local] = counts.get(local, 0) + 1
    out = {name: taken[name] for name in names if name in taken}
    for name, local in first.items():
        if counts[local] > 1 or local in used:
            local = f"{local[: MAX_IDENT - 9].rstrip('_')}_{short_hash(name)}"
        out[name] = local
    return out
