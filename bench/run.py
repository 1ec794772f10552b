"""Full-scale benchmark: one command, one table (not part of the test suite).

    .venv/bin/python -m bench.run --months 1 --rows 300000
    .venv/bin/python -m bench.run --months 12,60,120 --rows 15000 --stages convert,floor,ingest

For each month count it generates (once, cached under ``bench/data/``) the synthetic exports,
then times each stage in its own process on the same files: (a) GBK→UTF-8 conversion and DuckDB
``read_csv`` into a typed table (the floor), (b) parse + normalise, (c) the GX release suite,
(d) the load, (e) the whole ``customs-etl ingest FOLDER`` flow through the CLI. Peak memory is
the largest resident set of the stage's process tree (sampled from /proc every 50 ms, and the
kernel's own maximum for the stage process). The ingest's fixed start-up (Prefect's temporary
API, imports) is measured on a tiny file and subtracted to give the marginal cost. ``report``
times `customs-etl report` on the busiest line of the ingested warehouse; ``server`` times a
one-file run against a real `prefect server` (Data Docs off and on).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from bench.generate import generate

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
DATA = BENCH / "data"
OUT = BENCH / "out"
STAGES = ("convert", "floor", "parse", "gx", "load", "ingest", "report", "server")
TINY_ROWS = 20


@dataclass
class Measure:
    """One stage on one data set."""

    stage: str
    months: int
    files: int
    rows: int | None
    seconds: float
    peak_mib: float
    cpu_seconds: float = 0.0  # CPU of the timed work (stages) or of the whole process tree
    note: str = ""

    @property
    def rate(self) -> str:
        return f"{self.rows / self.seconds:,.0f}" if self.rows and self.seconds else ""


def _rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _tree(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children", encoding="ascii") as kids:
                    todo.extend(int(k) for k in kids.read().split())
        except OSError:
            continue
    return found


def _run(
    cmd: list[str], env: dict[str, str] | None = None, cwd: Path = ROOT
) -> tuple[str, str, int, float, float, float]:
    """Run ``cmd`` in ``cwd``: stdout, stderr, exit status, wall s, peak MiB of its tree, CPU s."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], sum(_rss_kib(p) for p in _tree(proc.pid)))
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out_chunks: list[str] = []
    err_chunks: list[str] = []
    readers = [
        threading.Thread(target=lambda: out_chunks.append(proc.stdout.read()), daemon=True),
        threading.Thread(target=lambda: err_chunks.append(proc.stderr.read()), daemon=True),
    ]
    for reader in readers:
        reader.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    done.set()
    sampler.join()
    for reader in readers:
        reader.join()
    peak_kib = max(peak[0], usage.ru_maxrss)
    cpu = usage.ru_utime + usage.ru_stime
    out, err = "".join(out_chunks), "".join(err_chunks)
    return out, err, proc.returncode, wall, peak_kib / 1024, cpu


def dataset(months: int, rows: int, seed: int) -> Path:
    """Generate the exports once per (months, rows, seed); later runs reuse them."""
    folder = DATA / f"m{months}-r{rows}-s{seed}"
    marker = folder / ".complete"
    if not marker.exists():
        started = time.perf_counter()
        files = generate(folder, months=months, rows=rows, seed=seed)
        marker.write_text(f"{len(files)} files\n")
        print(f"generated {len(files)} files in {time.perf_counter() - started:.1f} s: {folder}",
              file=sys.stderr)  # fmt: skip
    return folder


def stage(name: str, data: Path, work: Path, months: int) -> Measure:
    cmd = [sys.executable, "-m", "bench.stages", name, str(data), str(work)]
    out, err, code, _, peak, _ = _run(cmd)
    if code != 0:
        raise SystemExit(f"stage {name} failed ({code}):\n{err[-3000:]}")
    result = json.loads(out.strip().splitlines()[-1])
    files = len(list(data.glob("*.csv")))
    return Measure(
        name, months, files, result["rows"], result["seconds"], peak, result["cpu"], result["note"]
    )


def ingest(
    data: Path,
    work: Path,
    months: int,
    label: str = "ingest",
    data_docs: bool = False,
    api_url: str | None = None,
) -> Measure:
    """The whole flow through the real CLI, into a fresh warehouse.

    GX Data Docs (on by default in the CLI) validate every frame a second time in a file
    context to render the site; they are off here unless asked for (``--data-docs``).
    """
    warehouse = work / f"{label}.duckdb"
    warehouse.unlink(missing_ok=True)
    env = dict(os.environ, PREFECT_HOME=str(DATA / "prefect-home"))
    env["CUSTOMS_ETL_DATA_DOCS"] = "1" if data_docs else "0"
    env.pop("CUSTOMS_ETL_WAREHOUSE", None)
    if api_url:
        env["PREFECT_API_URL"] = api_url
    cmd = [sys.executable, "-m", "customs_etl", "ingest", str(data), "--warehouse",
           str(warehouse)]  # fmt: skip
    out, err, code, wall, peak, cpu = _run(cmd, env)
    if not warehouse.exists():
        raise SystemExit(f"{label}: exit {code}, no warehouse written:\n{out[-2000:]}{err[-3000:]}")
    con = duckdb.connect(str(warehouse), read_only=True)
    rows = con.execute("SELECT count(*) FROM core.observations").fetchone()[0]
    statuses = dict(con.execute("SELECT status, count(*) FROM raw.releases GROUP BY 1").fetchall())
    con.close()
    if code != 0:
        print(f"{label}: exit {code}: {err.strip()[-2000:]}", file=sys.stderr)
    files = len(list(data.glob("*.csv")))
    note = f"exit {code} {json.dumps(statuses)}"
    return Measure(label, months, files, rows, wall, peak, cpu, note)


def busiest_line(warehouse: Path) -> tuple[str, str]:
    """The line with the most rows and its newest month: the heaviest report to take."""
    con = duckdb.connect(str(warehouse), read_only=True)
    code, month = con.execute(
        "SELECT commodity_code, strftime(max(period_end), '%Y-%m') FROM core.observations"
        " GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
    ).fetchone()
    con.close()
    return str(code), str(month)


def report(warehouse: Path, months: int, takes: int = 3) -> Measure:
    """`customs-etl report` on the busiest line of an ingested warehouse, as a user runs it
    (a new process: imports included); the best of ``takes`` and the note lists every take."""
    code, month = busiest_line(warehouse)
    cmd = [sys.executable, "-m", "customs_etl", "report", "--period", month, "--commodity",
           code, "--warehouse", str(warehouse)]  # fmt: skip
    takes_ = []
    for _ in range(takes):
        _, err, status, wall, peak, cpu = _run(cmd)
        if status != 0:
            raise SystemExit(f"report failed ({status}):\n{err[-2000:]}")
        takes_.append((wall, peak, cpu))
    wall, peak, cpu = min(takes_)
    note = f"HS {code} {month}; takes " + ", ".join(f"{t[0]:.2f}" for t in takes_)
    return Measure("report", months, 0, None, wall, peak, cpu, note)


def against_server(tiny: Path, data_docs: bool) -> list[Measure]:
    """A one-file run against a running Prefect server (the scheduled monthly run's case):
    no temporary API to start, so this is the fixed cost a user waits for. Best of three
    after a warm-up (the server registers the flow once)."""
    work = DATA / "work" / "server"
    work.mkdir(parents=True, exist_ok=True)
    from tests.support.prefect_server import prefect_server  # the suite's real-server helper

    found = []
    with prefect_server(DATA / "prefect-server", startup_timeout=180) as server:
        url = server.api_url
        ingest(tiny, work, 1, "warm-up", data_docs, api_url=url)
        for docs in (False, True):
            takes = [ingest(tiny, work, 1, "run vs server", docs, api_url=url) for _ in range(3)]
            best = min(takes, key=lambda m: m.seconds)
            best.stage = f"one-file run vs server, Data Docs {'on' if docs else 'off'}"
            best.note += "; takes " + ", ".join(f"{m.seconds:.2f}" for m in takes)
            found.append(best)
    return found


def machine() -> dict[str, str]:
    def sh(cmd: str) -> str:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()

    return {
        "nproc": sh("nproc"),
        "cpu": sh("lscpu | grep -m1 'Model name' | cut -d: -f2").strip(),
        "mem": sh("free -g | awk '/Mem:/ {print $2 \" GiB\"}'"),
        "loadavg": sh("cut -d' ' -f1-3 /proc/loadavg"),
        "python": sys.version.split()[0],
        "duckdb": duckdb.__version__,
    }


def table(measures: list[Measure]) -> str:
    lines = [
        "| stage | months | files | rows | seconds | rows/s | peak MiB | CPU s | note |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    lines += [
        f"| {m.stage} | {m.months} | {m.files} | {m.rows if m.rows is not None else ''} | "
        f"{m.seconds:.2f} | {m.rate} | {m.peak_mib:,.0f} | {m.cpu_seconds:.1f} | {m.note} |"
        for m in measures
    ]
    return "\n".join(lines)


def summary(measures: list[Measure], startup: Measure | None) -> list[str]:
    """Ratios the targets are stated in."""
    lines = []
    by = {(m.stage, m.months): m for m in measures}
    for months in sorted({m.months for m in measures}):
        floor, whole = by.get(("floor", months)), by.get(("ingest", months))
        convert = by.get(("convert", months))
        if floor and whole:
            line = f"{months} month(s): ingest / floor = {whole.seconds / floor.seconds:.1f}x"
            if startup:
                marginal = whole.seconds - startup.seconds
                line += (f"; marginal (ingest - start-up {startup.seconds:.1f} s) = "
                         f"{marginal:.1f} s = {marginal / floor.seconds:.1f}x floor")  # fmt: skip
                if convert:
                    line += f" ({marginal / (floor.seconds + convert.seconds):.1f}x floor+convert)"
                cpu = whole.cpu_seconds - startup.cpu_seconds
                line += f"; marginal CPU {cpu:.1f} s = {cpu / floor.cpu_seconds:.1f}x floor CPU"
            lines.append(line)
        gx, load = by.get(("gx", months)), by.get(("load", months))
        if gx and load:
            lines.append(f"{months} month(s): GX / load = {gx.seconds / load.seconds:.2f}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--months", default="1", help="month counts, comma-separated: 12,60,120")
    parser.add_argument("--rows", type=int, default=300_000, help="rows per month")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--stages", default=",".join(STAGES), help=f"subset of {STAGES}")
    parser.add_argument("--data-docs", action="store_true", help="keep GX Data Docs on")
    args = parser.parse_args(argv)
    wanted = args.stages.split(",")
    unknown = set(wanted) - set(STAGES)
    if unknown:
        parser.error(f"unknown stages {sorted(unknown)}")
    facts = machine()
    print(" ".join(f"{k}={v}" for k, v in facts.items()), file=sys.stderr)
    measures: list[Measure] = []
    startup = None
    tiny = dataset(1, TINY_ROWS, args.seed)
    if "server" in wanted:
        measures += against_server(tiny, args.data_docs)
    if "ingest" in wanted:
        work = DATA / "work" / "tiny"
        work.mkdir(parents=True, exist_ok=True)
        ingest(tiny, work, 1, "warm-up", args.data_docs)  # Prefect's first start migrates
        startup = ingest(tiny, work, 1, "start-up (tiny)", args.data_docs)
        measures.append(startup)
    for months in (int(m) for m in args.months.split(",")):
        data = dataset(months, args.rows, args.seed)
        work = DATA / "work" / data.name
        for name in wanted:
            if name == "server":
                continue
            if name == "ingest":
                measures.append(ingest(data, work, months, data_docs=args.data_docs))
            elif name == "report":
                measures.append(report(work / "ingest.duckdb", months))
            else:
                measures.append(stage(name, data, work, months))
            m = measures[-1]
            print(f"{m.stage} x{months}: {m.seconds:.2f} s, {m.peak_mib:,.0f} MiB {m.note}",
                  file=sys.stderr)  # fmt: skip
    facts["loadavg_end"] = machine()["loadavg"]
    print(table(measures))
    for line in summary(measures, startup):
        print(line)
    print(f"machine: {facts}")
    OUT.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    record = {"args": vars(args), "machine": facts, "measures": [asdict(m) for m in measures]}
    (OUT / f"run-{stamp}.json").write_text(json.dumps(record, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
