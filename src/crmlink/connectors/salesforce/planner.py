"""The read planner: which API reads a result set, and why, from its COUNT() (or, for a
whole object the org counts at `record_count_trusted` records or more, from that count).

    choice = choose(count, round_trip, Thresholds(), splittable=True)
    choice.api      # "rest" | "rest-ranges" | "bulk" | "bulk-ranges" | "rest-ids"
    choice.text()   # "rest-ranges: 200,000 rows on a slow link (count answered in 95 ms) …"

Small sets are one REST chain (`query` + `nextRecordsUrl`). On a fast link, above the Bulk
threshold a set is one Bulk 2.0 query job: fewest API calls (about one per result page,
which Salesforce sizes: the sandbox's are 100,000 rows). On a slow link (the shortest call's
round trip is long: a WAN) a round trip and a per-stream bandwidth cap are paid per page,
which parallel streams divide, and so is a Bulk job's server-side processing (seconds per
10,000 records), which jobs over disjoint ranges divide: mid-size sets are read as Id ranges
at once, each a REST chain (`ranges.py`), larger ones as one Bulk job per Id range, all
processing at once (`bulk_ranges.py`: CSV is a third of REST's JSON, and about four calls a
job instead of one per 2,000 rows). A read in its own order cannot be split: REST, or one
Bulk job above `bulk_slow`.
The thresholds come from `tests/speed/plan_threshold.py`, measured on the sandbox's
loopback and WAN profiles (its docstring has the figures).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Thresholds:
    """Where the planner switches API (rows), and how it splits."""

    rest_single: int = 10_000  # up to this on a fast link: one REST chain (at most 5 pages)
    rest_single_slow: int = 2_000  # …on a slow link: one page (ranges win from 10,000 on)
    bulk: int = 10_000  # above this on a fast link: one Bulk 2.0 job (fewest calls)
    bulk_slow: int = 1_000_000  # …on a slow link, for a read in its own order (not split)
    ranges_slow: int = 50_000  # above this on a slow link: Bulk jobs over Id ranges
    slow_link: float = 0.05  # seconds of round trip from which a link is slow
    streams: int = 6  # Id ranges read at once at most (Salesforce: 25 long requests)
    rows_per_stream: int = 5_000  # fewest rows a range is worth
    rows_per_job: int = 20_000  # rows of a Bulk range job (its processing: 4 s on a WAN)
    jobs: int = 20  # Bulk range jobs at most (each processing at once on the server)
    result_streams: int = 10  # Bulk range result pages downloading at once (each < 20 s)
    force: str | None = None  # an api to use whatever the count (measurements, tests)
    # a whole object (no filter, no limit) whose record count the org gives as at least
    # this is planned from that count, without a COUNT() (0.3 s at 1,000,000 here, and a
    # scan of every record in Salesforce); a smaller or missing one is counted exactly
    record_count_trusted: int = 100_000

    def fewest_calls(self) -> Thresholds:
        """The thresholds of a read that spends the fewest API calls, however slow the
        link (`read_plan: fewest_calls`): REST up to `rest_single` rows (at most 5 pages),
        else one Bulk 2.0 job (about four calls and one a result page). Such a read is
        planned as not `splittable`: Id ranges buy speed on a slow link with calls (a
        chain or a job each)."""
        return replace(self, rest_single_slow=self.rest_single, bulk_slow=self.bulk)

    @classmethod
    def bulk_above(cls, rows: int) -> Thresholds:
        """One Bulk threshold on every link (the connector's `bulk_read_threshold`)."""
        single, slow = min(cls.rest_single, rows), min(cls.rest_single_slow, rows)
        return cls(
            rest_single=single, rest_single_slow=slow, bulk=rows, bulk_slow=rows, ranges_slow=rows
        )


@dataclass
class Choice:
    """The plan of one read: the API, why, and what it cost (set as it runs)."""

    api: str  # rest | rest-ranges | bulk | bulk-ranges | rest-ids
    reason: str
    count: int | None = None
    ranges: int = 1
    calls: int = 0  # API calls the read spent, the COUNT() included

    def text(self) -> str:
        calls = f"{self.calls} API call{'s' if self.calls != 1 else ''}"
        return f"{self.api}: {self.reason} ({calls})"

    def to_dict(self) -> dict[str, object]:
        return {
            "api": self.api,
            "reason": self.reason,
            "count": self.count,
            "ranges": self.ranges,
            "calls": self.calls,
        }


def choose(count: int | None, round_trip: float, limits: Thresholds, splittable: bool) -> Choice:
    """The plan for `count` rows (None: no COUNT() possible) on a link whose shortest
    call took `round_trip` seconds; `splittable`: the read has no order of its own."""
    if count is None:
        return Choice("rest", "compound fields cannot be counted: REST pages")
    if limits.force is not None:
        ranges = {"rest-ranges": limits.streams, "bulk-ranges": _jobs(count, limits)}
        forced = ranges.get(limits.force, 1)
        return Choice(limits.force, f"{count:,} rows, {limits.force} forced", count, forced)
    slow = round_trip >= limits.slow_link
    link = _link(slow, round_trip)
    single = limits.rest_single_slow if slow else limits.rest_single
    if count <= single:
        return Choice("rest", f"{count:,} rows, at most {single:,} on {link}: REST pages", count)
    if slow and splittable:
        if count > limits.ranges_slow:
            jobs = _jobs(count, limits)
            reason = (
                f"{count:,} rows, above {limits.ranges_slow:,} on {link}: "
                f"Bulk jobs over Id ranges, {jobs} at once"
            )
            return Choice("bulk-ranges", reason, count, jobs)
        return _rest_ranges(count, limits, limits.ranges_slow, link)
    bulk = limits.bulk_slow if slow else limits.bulk
    if count > bulk:
        reason = f"{count:,} rows, above the Bulk threshold {bulk:,} of {link}"
        return Choice("bulk", reason, count)
    if not splittable:
        reason = f"{count:,} rows in the read's own order, at most {bulk:,} on {link}: REST pages"
        return Choice("rest", reason, count)
    return _rest_ranges(count, limits, bulk, link)


def _rest_ranges(count: int, limits: Thresholds, top: int, link: str) -> Choice:
    ranges = max(2, min(limits.streams, math.ceil(count / limits.rows_per_stream)))
    reason = f"{count:,} rows, at most {top:,} on {link}: Id ranges, {ranges} at once"
    return Choice("rest-ranges", reason, count, ranges)


def _jobs(count: int, limits: Thresholds) -> int:
    """Bulk range jobs for `count` rows: about `rows_per_job` each, 2 to `jobs` of them."""
    return max(2, min(limits.jobs, math.ceil(count / limits.rows_per_job)))


def _link(slow: bool, round_trip: float) -> str:
    kind = "a slow link" if slow else "a fast link"
    return f"{kind} (round trip {round_trip * 1000:.0f} ms)"
