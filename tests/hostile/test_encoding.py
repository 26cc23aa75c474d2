"""Workflow files that are not UTF-8 text: one sentence naming the encoding problem and the
byte offset, exit 2, nothing changed."""

from __future__ import annotations

import codecs

import pytest

TEXT = "name: enc\nactivities:\n  q: {type: query, table: recipient, description: 'Café'}\n"
ASCII = "name: enc\nactivities:\n  q: {type: query, table: recipient}\n"
LATIN1_OFFSET = TEXT.encode("latin-1").index(b"\xe9")

FILES = {
    "latin-1": (TEXT.encode("latin-1"), ["not UTF-8", f"at byte {LATIN1_OFFSET}", "0xE9"]),
    "windows-1252": (
        ASCII.replace("enc", "enc \u201cq\u201d").encode("cp1252"),
        ["not UTF-8", "at byte 10", "0x93"],
    ),
    "utf-16-le-bom": (codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), ["UTF-16", "byte 0"]),
    "utf-16-be-bom": (codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), ["UTF-16", "byte 0"]),
    "utf-16-le-no-bom": (ASCII.encode("utf-16-le"), ["UTF-16", "at byte 1"]),
    "utf-16-be-no-bom": (ASCII.encode("utf-16-be"), ["UTF-16", "at byte 0"]),
    "utf-32-bom": (codecs.BOM_UTF32_LE + ASCII.encode("utf-32-le"), ["UTF-32", "byte 0"]),
    "nul-in-middle": (ASCII[:20].encode() + b"\x00" + ASCII[20:].encode(), ["NUL", "byte 20"]),
    "nul-first": (b"\x00" + ASCII.encode(), ["NUL", "byte 0"]),
    "binary-png": (b"\x89PNG\r\n\x1a\n" + bytes(range(256)), ["not UTF-8", "at byte 0", "0x89"]),
    "binary-gzip": (b"\x1f\x8b\x08\x00" + bytes(range(200, 256)), ["not UTF-8", "at byte 1"]),
    "truncated-utf8": (ASCII.encode() + "é".encode()[:1], ["not UTF-8", f"at byte {len(ASCII)}"]),
    "overlong-utf8": (b"name: \xc0\xafx\n", ["not UTF-8", "at byte 6", "0xC0"]),
    "surrogate-utf8": (b"name: \xed\xa0\x80\n", ["not UTF-8", "at byte 6"]),
}


@pytest.mark.parametrize(("content", "says"), list(FILES.values()), ids=list(FILES))
def test_a_workflow_file_that_is_not_utf8_is_refused(hostile, content, says):
    path = hostile.write("enc.yaml", content)
    sentence = hostile.refuses("workflow", "run", str(path), says=says)
    assert sentence.startswith(str(path))


@pytest.mark.parametrize("content", [FILES["latin-1"][0], FILES["nul-first"][0]],
                         ids=["latin-1", "nul"])  # fmt: skip
def test_workflow_add_refuses_it_too(hostile, content):
    path = hostile.write("enc.yaml", content)
    hostile.refuses("workflow", "add", str(path), says="byte")


@pytest.mark.parametrize(
    "content",
    [TEXT.encode("utf-8"), codecs.BOM_UTF8 + TEXT.encode("utf-8")],
    ids=["utf-8", "utf-8-bom"],
)
def test_utf8_with_or_without_a_bom_loads(hostile, content):
    path = hostile.write("enc.yaml", content)
    hostile.accepts("workflow", "run", str(path))


@pytest.mark.parametrize(
    "char", ["\x01", "\x1b", "\x7f", "\ufffe"], ids=["soh", "esc", "del", "nonchar"]
)
def test_a_control_character_yaml_refuses_is_one_sentence(hostile, char):
    path = hostile.write("ctl.yaml", ASCII.replace("enc", f"e{char}nc"))
    hostile.refuses("workflow", "run", str(path), says="not valid YAML")
