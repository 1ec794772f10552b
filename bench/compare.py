"""Before/after on one machine in one session: issue 21's scenarios for two checkouts, interleaved.

    .venv/bin/python -m bench.compare --before ../wt-before --after . --takes 3

Each checkout is a repository root with its own ``.venv`` (``make setup``). Every scenario runs
in a new process of that checkout's interpreter, alternating before, after, after, before, …
so that a machine's changing load falls on both alike; the table gives the best and the
median wall time, the CPU seconds and the peak memory of the process tree of the best take, and
the load average when the scenario started and ended. Scenarios:

* ``tiny cold`` — ``customs-etl ingest`` of one 20-row file into a new warehouse, no Prefect
  API configured and none running from an earlier run (what the first command of the day pays);
* ``tiny warm`` — the same right after another run (a checkout that keeps Prefect's temporary
  API for a while reuses it; one that does not pays the cold price again);
* ``tiny vs server`` — the same against a running ``prefect server`` (``PREFECT_API_URL``);
* ``month cold`` / ``month warm`` — a full-scale month (300,000 rows, 31 files), end to end;
* ``120 months`` — 120 months × 15,000 rows into a new warehouse: peak memory of the tree,
  cold, so the temporary API this run starts is counted in it;
* ``120 months warm`` — the same with the temporary API an earlier run left (a shared process,
  not in this run's tree: what a data engineer's second command of the day pays);
* ``report sample`` / ``report 120`` — ``customs-etl report`` (new process) on the sample's
  July 2025 magnets and on the 120-month warehouse's busiest line.

Warehouses are kept under ``bench/data/compare/<label>/`` so ``bench.table_hashes`` can show
that both checkouts hold the same figures.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.run import DATA, _run, busiest_line, dataset

LABELS = ("before", "after")


@dataclass
class Checkout:
    label: str
    root: Path
    home: Path  # its own PREFECT_HOME: the two never share a Prefect database or API

    @property
    def python(self) -> str:
        return str(self.root / ".venv" / "bin" / "python")

    def env(self, api_url: str | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("CUSTOMS_ETL_", "PREFECT_"))}  # fmt: skip
        env |= {"PREFECT_HOME": str(self.home), "CUSTOMS_ETL_DATA_DOCS": "0",
                "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}  # fmt: skip
        if api_url:
            env["PREFECT_API_URL"] = api_url
        return env

    def cli(self, *args: str) -> list[str]:
        return [self.python, "-m", "customs_etl", *args]


@dataclass
class Take:
    wall: float
    cpu: float
    peak: float


@dataclass
class Row:
    scenario: str
    takes: dict[str, list[Take]] = field(default_factory=lambda: {k: [] for k in LABELS})
    load: list[str] = field(default_factory=list)


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def stop_lingering_api(home: Path) -> None:
    """Kill any process started with this PREFECT_HOME (a temporary API kept for reuse)."""
    from tests.support.faults import processes_with_home

    for pid in processes_with_home(home):
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            continue
    deadline = time.monotonic() + 10
    while processes_with_home(home) and time.monotonic() < deadline:
        time.sleep(0.1)


def measure(cmd: list[str], env: dict[str, str], cwd: Path) -> Take:
    out, err, code, wall, peak, cpu = _run(cmd, env, cwd)
    if code != 0:
        raise SystemExit(f"{' '.join(cmd)} exited {code}:\n{out[-1500:]}{err[-3000:]}")
    return Take(wall, cpu, peak)


def order(takes: int) -> list[str]:
    """before, after, after, before, … (ABBA): a trend in the load falls on both alike."""
    pattern = [LABELS[0], LABELS[1], LABELS[1], LABELS[0]]
    return [pattern[i % 4] for i in range(2 * takes)]


def scenario(name: str, takes: int, run: dict[str, object]) -> Row:
    row = Row(name, load=[loadavg()])
    for label in order(takes):
        row.takes[label].append(run[label]())  # type: ignore[operator]
        print(f"  {name} {label}: {row.takes[label][-1].wall:.2f} s", file=sys.stderr)
    row.load.append(loadavg())
    return row


def fmt(takes: list[Take]) -> tuple[str, str]:
    best = min(takes, key=lambda t: t.wall)
    median = statistics.median(t.wall for t in takes)
    return (f"{best.wall:.2f} s (median {median:.2f})",
            f"CPU {best.cpu:.1f} s, {best.peak:,.0f} MiB")  # fmt: skip


def markdown(rows: list[Row]) -> str:
    lines = ["| scenario | before | after | load (1/5/15) start → end |",
             "| --- | ---: | ---: | --- |"]  # fmt: skip
    for row in rows:
        cells = [" · ".join(fmt(row.takes[label])) for label in LABELS]
        load = f"{row.load[0]} → {row.load[-1]}"
        lines.append(f"| {row.scenario} | {cells[0]} | {cells[1]} | {load} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True)
    parser.add_argument("--after", type=Path, required=True)
    parser.add_argument("--takes", type=int, default=3)
    parser.add_argument("--only", default="", help="comma-separated scenario prefixes")
    args = parser.parse_args(argv)
    work = DATA / "compare"
    checkouts = {
        label: Checkout(label, root.resolve(), work / label / "prefect-home")
        for label, root in zip(LABELS, (args.before, args.after), strict=True)
    }
    for c in checkouts.values():
        c.home.mkdir(parents=True, exist_ok=True)
    tiny, month, decade = dataset(1, 20, 5), dataset(1, 300_000, 5), dataset(120, 15_000, 5)
    wanted = [p for p in args.only.split(",") if p]

    def want(name: str) -> bool:
        return not wanted or any(name.startswith(p) for p in wanted)

    def ingest(c: Checkout, data: Path, name: str, cold: bool, api: str | None = None):
        def go() -> Take:
            if cold:
                stop_lingering_api(c.home)
            warehouse = work / c.label / f"{name}.duckdb"
            warehouse.unlink(missing_ok=True)
            return measure(c.cli("ingest", str(data), "--warehouse", str(warehouse)), c.env(api),
                           c.root)
        return go

    def report(c: Checkout, warehouse: Path, period: str, code: str):
        return lambda: measure(c.cli("report", "--period", period, "--commodity", code,
                                     "--warehouse", str(warehouse)), c.env(), c.root)  # fmt: skip

    rows: list[Row] = []
    for c in checkouts.values():  # Prefect's first start migrates its database: not timed
        ingest(c, tiny, "warm-up", cold=False)()
    for name, data in (("tiny", tiny), ("month", month)):
        for cold in (True, False):
            title = f"{name} {'cold' if cold else 'warm'}"
            if want(title):
                rows.append(scenario(title, args.takes, {
                    c.label: ingest(c, data, name, cold) for c in checkouts.values()}))  # fmt: skip
    if want("tiny vs server"):
        from tests.support.prefect_server import prefect_server

        with prefect_server(work / "prefect-server", startup_timeout=180) as server:
            for c in checkouts.values():
                ingest(c, tiny, "server", cold=False, api=server.api_url)()  # registers flows
            rows.append(scenario("tiny vs server", args.takes, {
                c.label: ingest(c, tiny, "server", cold=False, api=server.api_url)
                for c in checkouts.values()}))  # fmt: skip
    if want("120 months"):
        rows.append(scenario("120 months", 1, {
            c.label: ingest(c, decade, "decade", cold=True) for c in checkouts.values()}))
    if want("120 months warm"):
        rows.append(scenario("120 months warm", 1, {
            c.label: ingest(c, decade, "decade", cold=False) for c in checkouts.values()}))
    if want("report sample"):
        for c in checkouts.values():
            measure(c.cli("backfill", "--source", "sample", "--start", "2024-01", "--end",
                          "2025-07", "--warehouse", str(work / c.label / "sample.duckdb")),
                    c.env(), c.root)  # fmt: skip
        rows.append(scenario("report sample", max(args.takes, 5), {
            c.label: report(c, work / c.label / "sample.duckdb", "2025-07", "85051110")
            for c in checkouts.values()}))  # fmt: skip
    if want("report 120") and (work / "after" / "decade.duckdb").exists():
        code, period = busiest_line(work / "after" / "decade.duckdb")
        rows.append(scenario("report 120", max(args.takes, 5), {
            c.label: report(c, work / c.label / "decade.duckdb", period, code)
            for c in checkouts.values()}))  # fmt: skip
    for c in checkouts.values():
        stop_lingering_api(c.home)
    print(markdown(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
