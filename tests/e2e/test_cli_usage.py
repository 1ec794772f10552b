"""The command line as a newcomer meets it (issue 22): --version, -h, completion, examples in
every command's help, and arguments, input files and output paths refused in one line before
Prefect starts (checked in a fresh process that never imports Prefect, whose API is a closed
port: a run that got that far would fail in Prefect's words, not ours)."""

from __future__ import annotations

import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest
import typer

from customs_etl import cli
from tests.support import paths
from tests.support.cli import run_cli, run_cli_isolated

ROOT = paths.ROOT


def _one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: ") and "Traceback" not in stderr, stderr
    return lines[0]


def _command_paths() -> list[tuple[str, ...]]:
    """Every command and subcommand of the app, as typed after ``customs-etl``."""
    found: list[tuple[str, ...]] = []

    def walk(group: object, prefix: tuple[str, ...]) -> None:
        for name, command in sorted(group.commands.items()):  # type: ignore[attr-defined]
            if hasattr(command, "commands"):
                walk(command, (*prefix, name))
            else:
                found.append((*prefix, name))

    walk(typer.main.get_command(cli.app), ())
    return found


# --------------------------------------------------------------------------- --version, -h


def test_version_prints_the_installed_version_from_package_metadata() -> None:
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    result = run_cli("--version")
    assert result.code == 0 and result.stderr == "", result.output
    assert result.stdout == f"customs-etl {version('customs-etl')}\n"
    assert version("customs-etl") == declared


def test_dash_h_is_help_with_examples_on_the_app_and_every_command() -> None:
    top = run_cli("-h")
    assert top.code == 0 and "Usage: customs-etl" in top.stdout, top.output
    assert "--version" in top.stdout and "-h" in top.stdout
    paths = _command_paths()
    assert {("backfill",), ("run",), ("quarantine", "show")} <= set(paths)
    for path in paths:
        result = run_cli(*path, "-h")
        assert result.code == 0, (path, result.output)
        assert f"Usage: customs-etl {' '.join(path)}" in result.stdout, result.stdout
        assert "Examples:" in result.stdout, (path, result.stdout)
        assert f"$ customs-etl {' '.join(path)}" in result.stdout, (path, result.stdout)


def test_shell_completion_is_listed_and_completes_commands_and_options(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    listed = run_cli("--help").stdout
    assert "--install-completion" in listed and "--show-completion" in listed
    script = run_cli("--show-completion", "bash")
    assert script.code == 0 and "_CUSTOMS_ETL_COMPLETE=complete_bash" in script.stdout

    def complete(words: str) -> list[str]:
        monkeypatch.setenv("_CUSTOMS_ETL_COMPLETE", "complete_bash")
        monkeypatch.setenv("COMP_WORDS", words)
        monkeypatch.setenv("COMP_CWORD", str(len(words.split()) - 1))
        result = run_cli()
        monkeypatch.delenv("_CUSTOMS_ETL_COMPLETE")
        assert result.code == 0, result.output
        return result.stdout.split()

    assert complete("customs-etl back") == ["backfill"]
    assert "--commodity" in complete("customs-etl backfill --co")
    assert complete("customs-etl quarantine sh") == ["show"]


# --------------------------------------------------------------------------- before Prefect


def _csv(tmp_path: Path) -> Path:
    path = tmp_path / "export-85051110-202507.csv"
    path.write_text("not read: the run is refused before\n", encoding="utf-8")
    return path


CASES = {
    "missing input file": (
        lambda t: ["ingest", str(t / "nowhere" / "export-85051110-202507.csv")],
        1, "no such file",
    ),
    "missing input folder": (lambda t: ["ingest", str(t / "downloads")], 1, "no such file"),
    "warehouse under a file": (
        lambda t: ["ingest", str(_csv(t)), "--warehouse", str(_csv(t) / "w.duckdb")],
        1, "cannot create the warehouse folder",
    ),
    "warehouse is a folder": (
        lambda t: ["backfill", "--source", "sample", "--start", "2024-01", "--end", "2024-01",
                   "--warehouse", str(t)],
        1, "it is a folder",
    ),
    "start after end": (
        lambda t: ["backfill", "--start", "2025-05", "--end", "2025-01"],
        2, "--end 2025-01 is before --start 2025-05",
    ),
    "ingest start after end": (
        lambda t: ["ingest", str(_csv(t)), "--start", "2025-07", "--end", "2025-01"],
        2, "--end 2025-01 is before --start 2025-07",
    ),
    "bad period": (lambda t: ["run", "--period", "2025-13"], 2, "'2025-13' is not a month"),
    "report bad period": (lambda t: ["report", "--period", "July", "--warehouse",
                                     str(t / "w.duckdb")], 2, "'July' is not a month"),
    "mirror bad period": (lambda t: ["mirror", "--period", "2025-7x", "--commodity", "850511",
                                     "--warehouse", str(t / "w.duckdb")],
                          2, "'2025-7x' is not a month"),
    "watchlist bad period": (lambda t: ["watchlist", "--period", "2025-00", "--warehouse",
                                        str(t / "w.duckdb")], 2, "'2025-00' is not a month"),
    "summary file's folder missing": (
        lambda t: ["run", "--source", "sample", "--period", "2024-01",
                   "--summary-json", str(t / "no" / "s.json"), "--warehouse", str(t / "w.duckdb")],
        2, "--summary-json",
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", list(CASES))
def test_bad_arguments_are_one_line_before_prefect_starts(case: str, tmp_path: Path) -> None:
    make_args, code, words = CASES[case]
    result = run_cli_isolated(*make_args(tmp_path), record=tmp_path / "modules.txt")
    assert result.code == code, result.output
    assert words in _one_line(result.stderr) and result.stdout == "", result.output
    assert result.prefect_modules == [], result.prefect_modules  # Prefect never imported
    assert not (tmp_path / "w.duckdb").exists()


@pytest.mark.parametrize("where", ["a folder", "under a file", "deeper under a file"])
def test_an_unwritable_chart_is_one_line_before_the_report_runs(
    where: str, tmp_path: Path
) -> None:
    """(A missing folder is no error: the chart's folders are created.)"""
    blocker = tmp_path / "plain-file"
    blocker.write_text("x")
    chart = {
        "a folder": tmp_path,
        "under a file": blocker / "brief.png",
        "deeper under a file": blocker / "charts" / "brief.png",
    }[where]
    warehouse = tmp_path / "absent.duckdb"  # refused before it is even looked for
    result = run_cli("report", "--period", "2025-07", "--chart", str(chart),
                     "--warehouse", str(warehouse))  # fmt: skip
    assert result.code == 2, result.output
    line = _one_line(result.stderr)
    assert line.startswith(f"error: --chart {chart}:"), line
    assert result.stdout == "" and not warehouse.exists()
