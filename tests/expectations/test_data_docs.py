"""GX Data Docs: real GX file context in tmp_path, real HTML site, real stored result JSON."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import great_expectations as gx
import pandas as pd
import pytest

from customs_etl.expectations import data_docs_assets as assets
from customs_etl.expectations.data_docs import DocValidation, build_data_docs, docs_enabled
from customs_etl.expectations.suites import QUERY_RELEASE_SUITE, YTD_HISTORY_SUITE
from customs_etl.expectations.validate import validate, validate_batch
from customs_etl.transforms.normalise import query_observations
from customs_etl.transforms.query_export import parse_query_export
from customs_etl.transforms.ytd import RECONCILIATION_COLUMNS
from tests.support import paths
from tests.support.data_docs import unexpected_rows
from tests.support.exports import july_export
from tests.support.offline import references, site_files
from tests.support.pipeline import validation_frame_of


def _result(suite: str, frame: pd.DataFrame) -> object:
    """GX's own result of validating ``frame`` (what the pipeline hands Data Docs)."""
    return validate(frame, suite)[1]


ROOT = paths.ROOT
TODAY = date(2026, 11, 26)
RUN = "brave-otter"
PASSING, FAILING, RELEASE = (
    "export-85051110-202507.csv",
    "export-85051110-202508.csv",
    "export-85051110-202507-partner.csv",
)


def _reconciliation(excess_kg: float) -> pd.DataFrame:
    """One world YTD check; excess_kg > 0 breaks the critical YTD rule."""
    row = [
        "sum",
        "gacc_query",
        "export",
        "85051110",
        "WLD",
        2025,
        7,
        10_000.0,
        9_999.0,
        "months 1-7",
        1.0,
        1000.0,
        excess_kg,
        False,
    ]
    return pd.DataFrame([row], columns=RECONCILIATION_COLUMNS)


def _release_frame() -> pd.DataFrame:
    export = parse_query_export(july_export(), "x.csv")
    return validation_frame_of(query_observations(export, release_id="r", flow="export"), TODAY)


def _stored(docs_dir: Path) -> dict[tuple[str, str, str], dict]:
    """(suite, run name, file name) → stored GX result JSON, read from the validations store."""
    store = docs_dir / "gx" / "uncommitted" / "validations"
    return {
        (path.relative_to(store).parts[0], path.relative_to(store).parts[1], path.stem): json.loads(
            path.read_text(encoding="utf-8")
        )
        for path in store.rglob("*.json")
    }


def _pages(docs_dir: Path, suite: str, run: str, label: str) -> list[Path]:
    return sorted((docs_dir / "site" / "validations" / suite / run).glob(f"*/{label}.html"))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    docs_dir = tmp_path_factory.mktemp("docs")
    index = build_data_docs(
        [
            DocValidation(
                YTD_HISTORY_SUITE, _result(YTD_HISTORY_SUITE, _reconciliation(-999.0)), PASSING, RUN
            ),
            DocValidation(
                YTD_HISTORY_SUITE, _result(YTD_HISTORY_SUITE, _reconciliation(5.0)), FAILING, RUN
            ),
            DocValidation(
                QUERY_RELEASE_SUITE, _result(QUERY_RELEASE_SUITE, _release_frame()), RELEASE, RUN
            ),
        ],
        docs_dir,
    )
    return docs_dir, index


def test_index_and_one_page_per_validation(built: tuple[Path, Path]) -> None:
    docs_dir, index = built
    assert index == docs_dir.resolve() / "site" / "index.html" and index.is_file()
    for suite, label in [
        (YTD_HISTORY_SUITE, PASSING),
        (YTD_HISTORY_SUITE, FAILING),
        (QUERY_RELEASE_SUITE, RELEASE),
    ]:
        assert len(_pages(docs_dir, suite, RUN, label)) == 1, (suite, label)
    assert (docs_dir / "site" / "expectations" / f"{YTD_HISTORY_SUITE}.html").is_file()


def test_stored_results_mark_the_failing_frame_failed(built: tuple[Path, Path]) -> None:
    docs_dir, _ = built
    stored = _stored(docs_dir)
    assert {key: result["success"] for key, result in stored.items()} == {
        (YTD_HISTORY_SUITE, RUN, PASSING): True,
        (YTD_HISTORY_SUITE, RUN, FAILING): False,
        (QUERY_RELEASE_SUITE, RUN, RELEASE): True,
    }
    failing = stored[(YTD_HISTORY_SUITE, RUN, FAILING)]
    broken = [r for r in failing["results"] if not r["success"]]
    assert {r["expectation_config"]["kwargs"]["column"] for r in broken} == {"excess_kg"}
    assert all(r["result"]["unexpected_count"] == 1 for r in broken)
    assert failing["meta"]["document"] == FAILING and failing["meta"]["run_name"] == RUN
    release = stored[(QUERY_RELEASE_SUITE, RUN, RELEASE)]
    assert release["statistics"]["evaluated_expectations"] == 23


def test_index_names_documents_runs_and_outcomes(built: tuple[Path, Path]) -> None:
    _, index = built
    html = index.read_text(encoding="utf-8")
    for label in (PASSING, FAILING, RELEASE, RUN):
        assert label in html
    assert html.count("'_validation_success_text': 'Failed'") == 1
    assert html.count("'_validation_success_text': 'Success'") == 2


def _copy(built: tuple[Path, Path], tmp_path: Path) -> tuple[Path, Path]:
    """A private copy of the built folder: an existing site, possibly moved, opened afresh."""
    docs_dir = shutil.copytree(built[0], tmp_path / "docs")
    return docs_dir, docs_dir.resolve() / "site" / "index.html"


def test_second_build_adds_to_the_site_quietly(
    built: tuple[Path, Path], tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    docs_dir, index = _copy(built, tmp_path)
    before = set(_stored(docs_dir))
    capfd.readouterr()
    again = build_data_docs(
        [
            DocValidation(
                YTD_HISTORY_SUITE,
                _result(YTD_HISTORY_SUITE, _reconciliation(-999.0)),
                PASSING,
                "calm-heron",
            ),
            # A bulletin URL as label: '/' cannot be in a store key, so it is replaced.
            DocValidation(
                YTD_HISTORY_SUITE,
                _result(YTD_HISTORY_SUITE, _reconciliation(-1.0)),
                "http://127.0.0.1/table14.html",
                "calm-heron",
            ),
        ],
        docs_dir,
    )
    out, err = capfd.readouterr()
    assert "Calculating Metrics" not in out + err and "%|" not in err
    assert again == index
    stored = _stored(docs_dir)
    assert before < set(stored)
    assert set(stored) - before == {
        (YTD_HISTORY_SUITE, "calm-heron", PASSING),
        (YTD_HISTORY_SUITE, "calm-heron", "http_127.0.0.1_table14.html"),
    }
    html = index.read_text(encoding="utf-8")
    assert all(name in html for name in (RUN, "calm-heron", FAILING, RELEASE))
    assert len(_pages(docs_dir, YTD_HISTORY_SUITE, RUN, PASSING)) == 1
    assert len(_pages(docs_dir, YTD_HISTORY_SUITE, "calm-heron", PASSING)) == 1


def test_unknown_suite_is_an_error_not_a_silent_pass(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        build_data_docs(
            [
                DocValidation(
                    "no_such_suite",
                    _result(YTD_HISTORY_SUITE, _reconciliation(0.0)),
                    "x.csv",
                    RUN,
                )
            ],
            tmp_path,
        )
    assert not list((tmp_path / "gx" / "uncommitted" / "validations").rglob("*.json"))


REOPEN = textwrap.dedent("""
    import sys
    connects = []
    sys.addaudithook(lambda event, args: connects.append(args) if event == "socket.connect"
                     else None)
    import pandas as pd
    from customs_etl.expectations.data_docs import DocValidation, build_data_docs
    from customs_etl.transforms.ytd import RECONCILIATION_COLUMNS
    row = ["sum", "gacc_query", "export", "85051110", "WLD", 2025, 7, 10000.0, 9999.0,
           "months 1-7", 1.0, 1000.0, 5.0, False]
    frame = pd.DataFrame([row], columns=RECONCILIATION_COLUMNS)
    from customs_etl.expectations.validate import validate
    result = validate(frame, "ytd_history")[1]
    print(build_data_docs([DocValidation("ytd_history", result, "later.csv", "next-run")],
                          sys.argv[1]))
    print("connects", len(connects))
""")


@pytest.mark.slow
def test_a_later_process_reopens_the_folder_offline_and_quietly(
    built: tuple[Path, Path], tmp_path: Path
) -> None:
    docs_dir, index = _copy(built, tmp_path)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", REOPEN, str(docs_dir)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [str(index), "connects 0"]
    assert done.stderr == ""
    assert _stored(docs_dir)[(YTD_HISTORY_SUITE, "next-run", "later.csv")]["success"] is False
    html = index.read_text(encoding="utf-8")
    assert "later.csv" in html and FAILING in html and RELEASE in html


@pytest.mark.parametrize(
    "value,enabled",
    [
        (None, True),
        ("", True),
        ("1", True),
        ("on", True),
        ("0", False),
        ("off", False),
        ("false", False),
        (" FALSE ", False),
    ],
)
def test_docs_enabled_follows_the_env(
    monkeypatch: pytest.MonkeyPatch, value: str | None, enabled: bool
) -> None:
    if value is None:
        monkeypatch.delenv("CUSTOMS_ETL_DATA_DOCS", raising=False)
    else:
        monkeypatch.setenv("CUSTOMS_ETL_DATA_DOCS", value)
    assert docs_enabled() is enabled


# ------------------------------------------------------------------ offline pages (issue 22)


def _remote(site: Path) -> list[str]:
    return [f"{r.file.relative_to(site)}: {r.where} {r.url}"
            for f in site_files(site) for r in references(f) if r.remote]  # fmt: skip


def _unresolved(site: Path) -> list[str]:
    return [f"{r.file.relative_to(site)}: {r.where} {r.url}"
            for f in site_files(site) for r in references(f)
            if r.local and not r.target().is_file()]  # fmt: skip


def test_no_page_or_stylesheet_loads_anything_from_the_internet(built: tuple[Path, Path]) -> None:
    site = built[0] / "site"
    pages = [p for p in site_files(site) if p.suffix == ".html"]
    assert len(pages) >= 5  # the index, three results, the suites
    assert _remote(site) == []
    assert _unresolved(site) == []  # e.g. Font Awesome's url(../webfonts/…) resolves
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert "integrity=" not in html and "crossorigin" not in html, page
        assert "static/vendor/bootstrap/css/bootstrap.min.css" in html, page


def test_every_remote_file_of_gx_templates_has_a_local_copy() -> None:
    """A newer GX that loads another CDN file fails here, not on a reviewer's offline laptop."""
    view = Path(gx.__file__).parent / "render" / "view"
    loaded = []
    for template in sorted((view / "templates").glob("*.j2")):
        for tag in re.findall(r"<(?:script|link|img)\b[^>]*>", template.read_text()):
            loaded += re.findall(r"""(?:src|href)=["'](https?://[^"']+)""", tag)
    css = (view / "static" / "styles" / "data_docs_default_styles.css").read_text()
    loaded += re.findall(r"""url\(['"]?(https?://[^'")]+)""", css)
    bucket = re.findall(r"""["'](https://great-expectations-web-assets[^"']*)["']""",
                        (view / "templates" / "top_navbar.j2").read_text())  # fmt: skip
    assert len(loaded) >= 15 and bucket == [assets.GX_BUCKET]
    site = Path("/site")
    unknown = [url for url in loaded if assets.local_target(url, site) is None]
    assert unknown == []
    assert assets.local_target(assets.GX_BUCKET + "logo-long.png?d=1&x=2", site) == (
        site / "static" / "images" / "logo-long.png"
    )


def test_assets_are_copied_once_and_a_damaged_copy_is_replaced(
    built: tuple[Path, Path], tmp_path: Path
) -> None:
    docs_dir, _ = _copy(built, tmp_path)
    vendor = docs_dir / "site" / "static" / "vendor"
    files = sorted(p for p in vendor.rglob("*") if p.is_file())
    assert len(files) == len(list(assets.asset_files()))
    before = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in files}
    jquery = vendor / "jquery" / "jquery.min.js"
    jquery.write_text("damaged")
    build_data_docs(
        [DocValidation(YTD_HISTORY_SUITE, _result(YTD_HISTORY_SUITE, _reconciliation(-1.0)),
                       "again.csv", "calm-heron")],
        docs_dir,
    )  # fmt: skip
    after = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in files}
    assert {p for p in files if after[p] != before[p]} == {jquery}  # only the damaged one
    assert jquery.read_bytes().startswith(b"/*! jQuery v3.7.1")
    assert _remote(docs_dir / "site") == []


def test_a_site_built_before_goes_offline_on_the_next_build(
    built: tuple[Path, Path], tmp_path: Path
) -> None:
    """A folder from an earlier customs-etl (CDN links, no vendor folder) is rewritten whole."""
    docs_dir, _ = _copy(built, tmp_path)
    site = docs_dir / "site"
    shutil.rmtree(site / "static" / "vendor")
    (old,) = _pages(docs_dir, YTD_HISTORY_SUITE, RUN, PASSING)
    cdn = "https://code.jquery.com/jquery-3.7.1.min.js"
    text = old.read_text(encoding="utf-8")
    old.write_text(re.sub(r'src="[^"]*jquery\.min\.js"', f'src="{cdn}"', text), encoding="utf-8")
    os.utime(old, (1_600_000_000, 1_600_000_000))  # written long before this build
    assert _remote(site) == [f"{old.relative_to(site)}: <script src> {cdn}"]
    build_data_docs(
        [DocValidation(YTD_HISTORY_SUITE, _result(YTD_HISTORY_SUITE, _reconciliation(-1.0)),
                       "later.csv", "next-run")],
        docs_dir,
    )  # fmt: skip
    assert _remote(site) == [] and _unresolved(site) == []
    assert 'src="../../../../static/vendor/jquery/jquery.min.js"' in old.read_text()


def _two_documents() -> tuple[pd.DataFrame, str, str]:
    """A batch of two documents; the second's third data row (line 4) has a negative
    quantity. Rows are numbered as in the file: the header is line 1."""
    good, bad = "a" * 64, "b" * 64
    frames = []
    for release in (good, bad):
        export = parse_query_export(july_export(), f"{release[0]}.csv")
        frames.append(query_observations(export, release_id=release, flow="export"))
    frame = validation_frame_of(pd.concat(frames, ignore_index=True), TODAY)
    frame["quantity_num"] = frame["quantity_num"].astype(float)
    frame.loc[(frame["release_id"] == bad) & (frame["source_row"] == 4), "quantity_num"] = -1.0
    return frame, good, bad


def test_data_docs_name_failing_rows_by_document_and_source_row(tmp_path: Path) -> None:
    """Not GX's frame position (5 here: the row is the batch's sixth)."""
    frame, good, bad = _two_documents()
    outcome = validate_batch(frame, QUERY_RELEASE_SUITE)
    (failure,) = outcome.reports[bad].critical_failures
    assert failure.column == "quantity_num" and failure.rows == [4]
    assert outcome.reports[good].success
    (item,) = [r for r in outcome.result.results if not r.success]
    assert item.result["unexpected_index_column_names"] == ["release_id", "source_row"]
    assert item.result["unexpected_index_list"] == [
        {"quantity_num": -1.0, "release_id": bad[:12], "source_row": 4}
    ]
    assert "unexpected_index_query" not in item.result  # "df.filter(items=[5])": positions
    build_data_docs([DocValidation(QUERY_RELEASE_SUITE, outcome.result, "two.csv", RUN)], tmp_path)
    (page,) = _pages(tmp_path, QUERY_RELEASE_SUITE, RUN, "two.csv")
    assert unexpected_rows(page) == {("quantity_num", bad[:12]): [4]}
