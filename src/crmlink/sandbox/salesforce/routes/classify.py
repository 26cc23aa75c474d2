"""Endpoint names for the call counters: ids, values and versions folded away."""

from __future__ import annotations

import re

_RULES = (
    (re.compile(r"^/services/data/v[\d.]+/query(All)?/[^/]+$"), r"query\1 more"),
    (re.compile(r"^/services/data/v[\d.]+/query(All)?/?$"), r"query\1"),
    (re.compile(r"^/services/data/v[\d.]+/sobjects/?$"), "describeGlobal"),
    (re.compile(r"^/services/data/v[\d.]+/sobjects/[^/]+/describe/?$"), "describe"),
    (re.compile(r"^/services/data/v[\d.]+/sobjects/[^/]+/(updated|deleted)/?$"), r"\1"),
    (re.compile(r"^/services/data/v[\d.]+/sobjects/[^/]+/[^/]+/[^/]+$"), "sobject by external id"),
    (re.compile(r"^/services/data/v[\d.]+/sobjects/[^/]+/[^/]+$"), "sobject record"),
    (re.compile(r"^/services/data/v[\d.]+/sobjects/[^/]+/?$"), "sobject"),
    (re.compile(r"^/services/data/v[\d.]+/composite/sobjects.*$"), "composite sobjects"),
    (re.compile(r"^/services/data/v[\d.]+/jobs/(query|ingest)/[^/]+/(\w+)$"), r"bulk2 \1 \2"),
    (re.compile(r"^/services/data/v[\d.]+/jobs/(query|ingest)/[^/]+/?$"), r"bulk2 \1 job"),
    (re.compile(r"^/services/data/v[\d.]+/jobs/(query|ingest)/?$"), r"bulk2 \1 jobs"),
    (re.compile(r"^/services/async/[\d.]+/job/[^/]+/batch/[^/]+/result.*$"), "bulk1 result"),
    (re.compile(r"^/services/async/[\d.]+/job/[^/]+/batch.*$"), "bulk1 batch"),
    (re.compile(r"^/services/async/[\d.]+/job.*$"), "bulk1 job"),
    (re.compile(r"^/services/data/v[\d.]+/limits/?$"), "limits"),
    (re.compile(r"^/services/oauth2/token$"), "oauth token"),
    (re.compile(r"^/services/Soap/u/.*$"), "soap login"),
)


def endpoint_name(method: str, path: str) -> str:
    for pattern, name in _RULES:
        if pattern.match(path):
            return f"{method} {pattern.sub(name, path)}"
    return f"{method} other"
