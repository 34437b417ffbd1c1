#!/usr/bin/env python3
"""Renders bench/run's measurements as markdown tables.

    results_table.py ROWS.tsv METRICS.tsv VALUES.tsv

ROWS.tsv:    row_id <TAB> label                      (the systems, in column order)
METRICS.tsv: metric_id <TAB> label <TAB> unit <TAB> higher|lower
VALUES.tsv:  row_id <TAB> metric_id <TAB> number | error | n/a [<TAB> pass]
             (a pair may come once per pass: the table shows the median of its numbers,
             "error" only when no pass gave one)

A ratio is the median of the per-pass ratios: each pass measures every row seconds
apart, so a row is compared with the reference measured in the same pass, and a slow
minute of the machine (which moves every row of a pass alike) cancels out. Without pass
numbers, or with no pass in common, it is the ratio of the medians.

Prints three tables: the absolute figures; speed ratios against the rows with ids "tmpfs"
and "libfuse" (> 1 means faster than the reference, whichever way the metric runs); and
each irpfs row's ratio to libfuse against issue 6's targets: >= 1.0x on every measure for
the /dev/fuse rows, >= 1.3x on 4 KiB random read QD1 and the uncached stat round trip for
the io_uring rows (ids ending in "_uring").
"""
import statistics
import sys


def read_tsv(path):
    with open(path, encoding="utf-8") as stream:
        return [line.rstrip("\n").split("\t") for line in stream if line.strip()]


def as_number(text):
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def show_value(text):
    number = as_number(text)
    if number is None:
        return text or "—"
    if number >= 100:
        return f"{number:,.0f}"
    if number >= 10:
        return f"{number:.1f}"
    return f"{number:.2f}"


def median_values(records):
    """(row, metric) -> the median of the passes' numbers, else what the passes said."""
    passes = {}
    for row, metric, value, *_ in records:
        passes.setdefault((row, metric), []).append(value)
    values = {}
    for key, texts in passes.items():
        numbers = [n for n in map(as_number, texts) if n is not None]
        values[key] = repr(statistics.median(numbers)) if numbers else texts[-1]
    return values


def numbers_by_pass(records):
    """(row, metric) -> {pass: number}, for the records that name their pass."""
    by_pass = {}
    for record in records:
        if len(record) < 4 or as_number(record[2]) is None:
            continue
        row, metric, value, pass_id = record[:4]
        by_pass.setdefault((row, metric), {})[pass_id] = as_number(value)
    return by_pass


class Ratios:
    """Speed ratios of one row to a reference row on one metric (see the module doc)."""

    def __init__(self, records):
        self.values = median_values(records)
        self.by_pass = numbers_by_pass(records)

    def get(self, row, reference, metric, higher_is_better):
        mine = self.by_pass.get((row, metric), {})
        theirs = self.by_pass.get((reference, metric), {})
        paired = [speed_ratio(mine[p], theirs[p], higher_is_better)
                  for p in mine if p in theirs]
        paired = [r for r in paired if r is not None]
        if paired:
            return statistics.median(paired)
        return speed_ratio(self.values.get((row, metric)), self.values.get((reference, metric)),
                           higher_is_better)


def speed_ratio(value, reference, higher_is_better):
    value, reference = as_number(value), as_number(reference)
    if value is None or reference is None or value <= 0 or reference <= 0:
        return None
    return value / reference if higher_is_better else reference / value


def show_ratio(ratio):
    return "—" if ratio is None else f"{ratio:.2f}×"


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: results_table.py ROWS.tsv METRICS.tsv VALUES.tsv")
    rows = read_tsv(sys.argv[1])
    metrics = read_tsv(sys.argv[2])
    ratios = Ratios(read_tsv(sys.argv[3]))
    values = ratios.values

    print("| Measure | " + " | ".join(label for _, label in rows) + " |")
    print("|---|" + "---:|" * len(rows))
    for metric_id, label, unit, _ in metrics:
        cells = [show_value(values.get((row_id, metric_id), "")) for row_id, _ in rows]
        print(f"| {label} ({unit}) | " + " | ".join(cells) + " |")

    compared = [(row_id, label) for row_id, label in rows if row_id != "tmpfs"]
    print()
    print("Speed ratios, **vs tmpfs / vs libfuse** (> 1.00× is faster than the reference; each")
    print("is the median of the per-pass ratios, a row against the reference measured in the")
    print("same pass, seconds apart):")
    print()
    print("| Measure | " + " | ".join(label for _, label in compared) + " |")
    print("|---|" + "---:|" * len(compared))
    for metric_id, label, _, direction in metrics:
        higher = direction == "higher"
        cells = []
        for row_id, _ in compared:
            to_tmpfs = show_ratio(ratios.get(row_id, "tmpfs", metric_id, higher))
            if row_id == "libfuse":
                cells.append(to_tmpfs)
                continue
            to_libfuse = show_ratio(ratios.get(row_id, "libfuse", metric_id, higher))
            cells.append(f"{to_tmpfs} / {to_libfuse}")
        print(f"| {label} | " + " | ".join(cells) + " |")

    print_targets(rows, metrics, ratios)


# Issue 6: the io_uring rows must beat libfuse by 30% where a round trip is all there is.
URING_TARGETS = {"rr_qd1": 1.3, "stat_p50": 1.3, "stat_p99": 1.3}
DEV_FUSE_TARGET = 1.0


def target_of(row_id, metric_id):
    if row_id.endswith("_uring"):
        return URING_TARGETS.get(metric_id)
    return DEV_FUSE_TARGET


def print_targets(rows, metrics, ratios):
    judged = [(row_id, label) for row_id, label in rows if row_id not in ("tmpfs", "libfuse")]
    if not judged or not any(row_id == "libfuse" for row_id, _ in rows):
        return
    print()
    print("Issue 6 targets, **ratio vs libfuse (target)**: \"short\" marks a miss; the io_uring")
    print("rows are held to 1.3× on QD1 random read and the stat round trip only:")
    print()
    print("| Measure | " + " | ".join(label for _, label in judged) + " |")
    print("|---|" + "---:|" * len(judged))
    for metric_id, label, _, direction in metrics:
        cells = []
        for row_id, _ in judged:
            target = target_of(row_id, metric_id)
            ratio = ratios.get(row_id, "libfuse", metric_id, direction == "higher")
            if target is None:
                cells.append(show_ratio(ratio))
            elif ratio is None:
                cells.append(f"— ({target:.1f})")
            else:
                verdict = "ok" if ratio >= target else "**short**"
                cells.append(f"{show_ratio(ratio)} {verdict} ({target:.1f})")
        print(f"| {label} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
