"""Publishers are found, not listed: a package under ``customs_etl.publishers`` exporting
``PUBLISHER`` is a source on the command line, in the schedule, with its own settings and
suite — adding a publisher is adding its folder."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest
from pydantic import Field

from customs_etl import publishers as package
from customs_etl.core.errors import CustomsEtlError
from customs_etl.core.settings import SettingsGroup, read_settings
from customs_etl.expectations import suites
from customs_etl.publishers import registry
from tests.support.cli import run_cli

ROOT = Path(__file__).resolve().parents[2]


def test_every_publisher_folder_is_found_and_spelled_both_ways() -> None:
    folders = sorted(p.parent.name for p in (ROOT / "publishers").glob("*/__init__.py"))
    assert registry.package_names() == folders
    assert "gacc_preliminary" in folders
    for name in folders:
        found = registry.publisher(name)
        assert found.name == name and registry.publisher(found.cli_name) is found
    with pytest.raises(CustomsEtlError, match="unknown source 'nope'; known: comtrade, "):
        registry.publisher("nope")


def test_the_schedule_polls_the_earliest_release_first() -> None:
    assert [p.name for p in registry.automated()] == [
        "gacc_preliminary", "gacc_bulletin", "comtrade"]  # fmt: skip


def test_the_command_lines_source_help_comes_from_the_registry() -> None:
    result = run_cli("backfill", "--help")
    assert result.code == 0
    text = " ".join(result.stdout.replace("│", " ").split())
    assert ", ".join(registry.cli_names()) in text and "gacc-preliminary" in text


def test_every_setting_of_every_publisher_is_documented_in_the_settings_page() -> None:
    readme = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    groups = registry.settings_groups()
    assert [g.__name__ for g in groups[1:]] == ["PreliminarySettings", "BulletinSettings"]
    for group in groups[1:]:
        for field in group.model_fields:
            assert f"`CUSTOMS_ETL_{field.upper()}`" in readme, field


def test_a_publishers_own_bad_setting_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    class Timeouts(SettingsGroup):
        stand_in_timeout: float = Field(5.0, gt=0)

    monkeypatch.setenv("CUSTOMS_ETL_STAND_IN_TIMEOUT", " 7 ")
    assert read_settings(Timeouts).stand_in_timeout == 7.0
    monkeypatch.setenv("CUSTOMS_ETL_STAND_IN_TIMEOUT", "-1")
    with pytest.raises(CustomsEtlError) as caught:
        read_settings(Timeouts)
    assert str(caught.value).startswith("setting CUSTOMS_ETL_STAND_IN_TIMEOUT='-1': ")


STAND_IN = '''
"""A publisher that is only a folder."""
from datetime import date
from pathlib import Path

from pydantic import Field

from customs_etl.core.settings import SettingsGroup
from customs_etl.publishers.base import Publisher


class StandInSettings(SettingsGroup):
    zz_stand_in_url: str = Field("http://stand-in.test")


class StandIn(Publisher):
    name = "zz_stand_in"
    automated = True
    release_suite = "zz_stand_in_release"
    settings_group = StandInSettings
    suite_file = Path(__file__).with_name("zz_stand_in_release.json")

    def build_suite(self):
        import great_expectations as gx
        from great_expectations import expectations as gxe

        rule = gxe.ExpectColumnValuesToNotBeNull(column="period_start")
        return gx.ExpectationSuite(name=self.release_suite, expectations=[rule])

    def due_months(self, today: date) -> list[date]:
        return [date(today.year, 1, 1)]


PUBLISHER = StandIn()
'''


@pytest.fixture
def stand_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    folder = tmp_path / "zz_stand_in"
    folder.mkdir()
    (folder / "__init__.py").write_text(textwrap.dedent(STAND_IN), encoding="utf-8")
    monkeypatch.setattr(package, "__path__", [*package.__path__, str(tmp_path)])
    monkeypatch.setattr(suites, "_REGISTERED", dict(suites._REGISTERED))
    registry._imported.cache_clear()
    registry._discovered.cache_clear()
    try:
        yield folder
    finally:
        registry._imported.cache_clear()
        registry._discovered.cache_clear()
        sys.modules.pop("customs_etl.publishers.zz_stand_in", None)


def test_a_new_folder_is_a_publisher_with_its_settings_and_suite(stand_in: Path) -> None:
    found = registry.publisher("zz-stand-in")
    assert found.name == "zz_stand_in" and "zz-stand-in" in registry.cli_names()
    assert [p.name for p in registry.automated()][-1] == "zz_stand_in"
    assert registry.settings_groups()[-1].__name__ == "StandInSettings"
    (written,) = [p for p in registry.write_suites() if p.parent == stand_in]
    assert written == stand_in / "zz_stand_in_release.json"
    assert len(suites.load_suite("zz_stand_in_release").expectations) == 1


def test_a_folder_without_its_publisher_is_refused(stand_in: Path) -> None:
    (stand_in / "__init__.py").write_text("PUBLISHER = None\n", encoding="utf-8")
    with pytest.raises(CustomsEtlError, match="does not export PUBLISHER"):
        registry.publisher("gacc_bulletin")
