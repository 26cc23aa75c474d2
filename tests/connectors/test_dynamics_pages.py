"""A Web API page's bytes parsed (`connectors/dynamics/pages.py`), and a response's body let
go with its last user (`DataverseHttp.send`): ranges read at once keep pages as bytes."""

from __future__ import annotations

import gc
import json
import weakref

import pytest

from crmlink.connectors.dynamics.pages import decode
from tests.connectors.test_dynamics_support import dv_connector, dv_writable  # noqa: F401


def test_a_page_without_the_nul_escape_is_nul_free():
    raw = json.dumps({"value": [{"lastname": "Ödön \\u0000 as text", "x": 1}]}).encode()
    assert b"\\\\u0000" in raw  # the backslash itself escaped: a false alarm, never a miss
    body, nul_free = decode(raw)
    assert body["value"][0]["x"] == 1 and not nul_free
    assert decode('{"value": [{"lastname": "Ödön"}]}'.encode())[1]


def test_a_nul_in_a_string_is_never_missed():
    body, nul_free = decode(json.dumps({"value": [{"lastname": "a\x00b"}]}).encode())
    assert body["value"][0]["lastname"] == "a\x00b" and not nul_free
    utf16 = json.dumps({"value": [{"lastname": "ab"}]}).encode("utf-16")
    assert decode(utf16) == ({"value": [{"lastname": "ab"}]}, False)  # not UTF-8: unknown


def test_a_page_that_is_no_json_object_is_refused():
    with pytest.raises(ValueError):
        decode(b"[1, 2]")
    with pytest.raises(ValueError):
        decode(b"")


def test_a_read_response_is_freed_by_its_last_reference(dv_writable):  # noqa: F811
    """httpx's response and its bound stream refer to each other; cut, a page's body goes
    when the reader lets go of it, not at some later garbage collection."""
    with dv_connector(dv_writable) as connector:
        connector.http.json("GET", "contacts", params={"$top": "1"})  # log in first
        gc.collect()
        gc.disable()
        try:
            response = connector.http.request("GET", "contacts", params={"$top": "2"})
            assert len(json.loads(response.content)["value"]) == 2
            alive = weakref.ref(response)
            del response
            assert alive() is None
        finally:
            gc.enable()
