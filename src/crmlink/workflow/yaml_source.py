"""A workflow file's bytes -> text -> YAML node graph, within limits a hostile file cannot
exceed: UTF-8 only (the first bad byte named by its offset), at most `MAX_BYTES`, at most
`MAX_DEPTH` levels of nesting, at most `MAX_ALIASES` aliases and `MAX_NODES` nodes with
every alias expanded (a "billion laughs" file of 1 KB would otherwise expand to millions
of items in pydantic and the duplicate-key walk).

    text = decode(raw_bytes, "f.yaml")           # a WorkflowSourceError, or the text
    root, data = compose(text, "f.yaml")         # node graph (line numbers) and its value
"""

from __future__ import annotations

import codecs
from typing import Any

import yaml

from crmlink.errors import UsageError

MAX_BYTES = 1024 * 1024  # 1 MiB: a workflow is a page of YAML, not a data file
MAX_DEPTH = 50  # nested mappings and sequences
MAX_ALIASES = 100  # `*name` references
MAX_NODES = 20_000  # nodes, every alias expanded (a real workflow has a few hundred)

_BOMS = {
    codecs.BOM_UTF32_LE: "UTF-32",
    codecs.BOM_UTF32_BE: "UTF-32",
    codecs.BOM_UTF16_LE: "UTF-16",
    codecs.BOM_UTF16_BE: "UTF-16",
}


class WorkflowSourceError(UsageError):
    """The file is not a workflow's YAML at all (encoding, size, limits): one sentence."""

    def __init__(self, message: str, path: str) -> None:
        super().__init__(f"{path}: {message}", file=path)
        self.problems = [f"{path}: {message}"]


def decode(raw: bytes, path: str) -> str:
    """`raw` as UTF-8 text (a UTF-8 BOM dropped); anything else is refused, saying why."""
    check_size(len(raw), path)
    for bom, name in _BOMS.items():
        if raw.startswith(bom):
            raise WorkflowSourceError(f"the file is {name} (byte order mark at byte 0); "
                                      "save it as UTF-8", path)  # fmt: skip
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise WorkflowSourceError(_not_utf8(raw, exc.start), path) from None
    nul = text.find("\x00")
    if nul >= 0:
        offset = len(text[:nul].encode("utf-8"))
        raise WorkflowSourceError(_nul(raw, offset), path)
    return text


def _nul(raw: bytes, offset: int) -> str:
    if _looks_utf16(raw):
        return (f"the file looks like UTF-16 without a byte order mark (NUL byte at byte "
                f"{offset}): save it as UTF-8")  # fmt: skip
    return f"the file holds a NUL byte at byte {offset}: it is not a text file, or not UTF-8"


def _looks_utf16(raw: bytes) -> bool:
    """Mostly ASCII as UTF-16: every other byte of the start is NUL."""
    head = raw[:64]
    return len(head) >= 4 and (not any(head[0::2]) or not any(head[1::2]))


def _not_utf8(raw: bytes, offset: int) -> str:
    if _looks_utf16(raw):
        return _nul(raw, raw.index(b"\x00"))
    return (f"the file is not UTF-8 (byte 0x{raw[offset]:02X} at byte {offset} is not "
            "valid UTF-8; Latin-1 or Windows-1252?): save it as UTF-8")  # fmt: skip


def check_size(size: int, path: str) -> None:
    if size > MAX_BYTES:
        raise WorkflowSourceError(f"the file is {size} bytes; a workflow file holds at most "
                                  f"{MAX_BYTES} bytes (1 MiB)", path)  # fmt: skip


class _LimitedLoader(yaml.SafeLoader):
    """SafeLoader that counts depth, aliases and expanded nodes while it composes."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.depth = self.aliases = self.nodes = 0
        self.shapes: dict[int, tuple[int, int]] = {}
        self.open: list[str | None] = []  # anchors of the nodes being composed

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            return self._alias(parent, index, event)
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _Limit(f"it nests deeper than {MAX_DEPTH} levels", event.start_mark)
        self.nodes += 1
        self._check_nodes(event.start_mark)
        self.open.append(getattr(event, "anchor", None))
        node = super().compose_node(parent, index)
        self.open.pop()
        self.depth -= 1
        return node

    def _alias(self, parent: yaml.Node | None, index: Any, event: yaml.AliasEvent) -> Any:
        mark = event.start_mark
        if event.anchor in self.open:
            raise _Limit(f"the alias *{event.anchor} refers to itself", mark)
        node = super().compose_node(parent, index)
        self.aliases += 1
        if self.aliases > MAX_ALIASES:
            raise _Limit(f"it uses more than {MAX_ALIASES} aliases", mark)
        size, depth = shape(node, self.shapes)
        if self.depth + depth > MAX_DEPTH:
            raise _Limit(f"its aliases nest deeper than {MAX_DEPTH} levels", mark)
        self.nodes += size
        self._check_nodes(mark)
        return node

    def _check_nodes(self, mark: Any) -> None:
        if self.nodes > MAX_NODES:
            raise _Limit(f"its aliases expand to more than {MAX_NODES} values", mark)


class _Limit(Exception):
    def __init__(self, message: str, mark: Any) -> None:  # a yaml Mark (C or Python)
        super().__init__(message)
        self.message, self.mark = message, mark


def shape(node: yaml.Node | None, shapes: dict[int, tuple[int, int]]) -> tuple[int, int]:
    """(nodes, depth) under `node`, an alias counted as what it stands for (memoised by
    node: the aliases inside it were measured when they were composed)."""
    if node is None:
        return 0, 0
    if id(node) not in shapes:
        children: list[yaml.Node] = []
        if isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        elif isinstance(node, yaml.MappingNode):
            children = [part for pair in node.value for part in pair]
        measured = [shape(child, shapes) for child in children]
        size = 1 + sum(n for n, _ in measured)
        shapes[id(node)] = size, 1 + max((d for _, d in measured), default=0)
    return shapes[id(node)]


def compose(text: str, path: str) -> tuple[yaml.Node | None, Any]:
    """The node graph and the value of `text` (one document), within the limits;
    yaml's own errors are left to the caller."""
    check_size(len(text.encode("utf-8", "surrogatepass")), path)
    if "\x00" in text:
        raise WorkflowSourceError("the text holds a NUL character: it is not a workflow", path)
    loader = _LimitedLoader(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except _Limit as exc:
        line = exc.mark.line + 1 if exc.mark else 1
        raise WorkflowSourceError(
            f"line {line}: the YAML is refused: {exc.message}", path
        ) from None
    finally:
        loader.dispose()
    return root, data
