"""The PNG chart of a results JSON: rows/s per contestant, one panel per scenario and
profile. Runs in the bench's own venv (matplotlib is no dependency of crmlink):

    <bench venv>/bin/python bench/chart.py bench/results/latest.json bench/results/latest.png
"""

import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def panels(summary: list) -> dict:
    found: dict = {}
    for s in summary:
        found.setdefault(f"{s['scenario']} ({s['profile']})", []).append(s)
    return found


def main() -> None:
    with open(sys.argv[1]) as file:
        doc = json.load(file)
    groups = panels(doc["summary"])
    fig, axes = plt.subplots(
        len(groups),
        1,
        figsize=(10, 1.2 + 0.42 * len(doc["summary"]) + 0.6 * len(groups)),
        squeeze=False,
    )
    for axis, (title, rows) in zip(axes[:, 0], groups.items(), strict=True):
        labels = [f"{r['contestant']} [{r['target']}]" for r in rows]
        values = [0 if r["failed"] else r["rows_per_s"] for r in rows]
        colors = [
            "#c0392b"
            if r["failed"]
            else "#2e86c1"
            if r["contestant"].startswith("crmlink")
            else "#7f8c8d"
            for r in rows
        ]
        axis.barh(labels, values, color=colors)
        axis.invert_yaxis()
        axis.set_title(title, fontsize=10, loc="left")
        axis.set_xlabel("rows/s (median round; red: failed)", fontsize=8)
        axis.tick_params(labelsize=8)
        for y, (value, r) in enumerate(zip(values, rows, strict=True)):
            axis.text(
                value, y, " FAILED" if r["failed"] else f" {value:,.0f}", va="center", fontsize=7
            )
    fig.tight_layout()
    fig.savefig(sys.argv[2], dpi=110)


main()
