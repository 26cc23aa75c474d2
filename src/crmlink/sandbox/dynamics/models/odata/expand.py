"""`$expand` text → {navigation property: {option: value}}.

`sdkmessageid($select=name),x($filter=name eq 'a(b)';$top=1)`: commas and semicolons split
only outside parentheses and quotes, so nested options and quoted values survive.
"""

from __future__ import annotations

from crmlink.sandbox.dynamics.errors import FilterSyntaxError


def split_top(text: str, sep: str) -> list[str]:
    """`text` split at `sep` where it is outside parentheses and quoted strings."""
    parts, depth, quoted, current = [], 0, False, ""
    for ch in text:
        if ch == "'":
            quoted = not quoted
        elif not quoted and ch in "()":
            depth += 1 if ch == "(" else -1
        if ch == sep and depth == 0 and not quoted:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    return [p.strip() for p in parts if p.strip()]


def parse_expand(text: str | None) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for item in split_top(text or "", ","):
        name, _, inner = item.partition("(")
        if inner and not inner.endswith(")"):
            raise FilterSyntaxError(f"The $expand item '{item}' is not closed.")
        options: dict[str, str] = {}
        for part in split_top(inner[:-1], ";"):
            key, eq, value = part.partition("=")
            if not eq:
                raise FilterSyntaxError(f"The $expand option '{part}' has no value.")
            options[key.strip()] = value.strip()
        out[name.strip()] = options
    return out
