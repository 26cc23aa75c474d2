"""Conditional describes: `ETag` and `Last-Modified` on describe and describeGlobal, 304 for
`If-None-Match` / `If-Modified-Since` (CumulusCI caches describes this way)."""

from __future__ import annotations

import datetime as dt
from email.utils import format_datetime, parsedate_to_datetime

import pytest

DESCRIBES = ["/services/data/v59.0/sobjects/Contact/describe", "/services/data/v59.0/sobjects"]


@pytest.mark.parametrize("path", DESCRIBES)
def test_describe_carries_etag_and_last_modified(sf_http, path):
    first, second = sf_http.get(path), sf_http.get(path)
    assert first.status_code == 200
    assert first.headers["etag"].startswith('"') and first.headers["etag"] == second.headers["etag"]
    assert parsedate_to_datetime(first.headers["last-modified"]) <= dt.datetime.now(dt.UTC)


@pytest.mark.parametrize("path", DESCRIBES)
def test_if_none_match_with_the_etag_is_304(sf_http, path):
    etag = sf_http.get(path).headers["etag"]
    answer = sf_http.get(path, headers={"If-None-Match": etag})
    assert answer.status_code == 304 and answer.content == b""
    assert answer.headers["etag"] == etag
    assert sf_http.get(path, headers={"If-None-Match": '"other"'}).status_code == 200


def test_if_modified_since(sf_http):
    path = DESCRIBES[0]
    modified = parsedate_to_datetime(sf_http.get(path).headers["last-modified"])
    later = format_datetime(modified + dt.timedelta(seconds=5), usegmt=True)
    earlier = format_datetime(modified - dt.timedelta(days=1), usegmt=True)
    assert sf_http.get(path, headers={"If-Modified-Since": later}).status_code == 304
    assert sf_http.get(path, headers={"If-Modified-Since": earlier}).status_code == 200
    assert sf_http.get(path, headers={"If-Modified-Since": "not a date"}).status_code == 200


def test_other_objects_have_other_etags(sf_http):
    contact = sf_http.get(DESCRIBES[0]).headers["etag"]
    account = sf_http.get("/services/data/v59.0/sobjects/Account/describe").headers["etag"]
    assert contact != account
