"""One settings object: every CUSTOMS_ETL_ variable read in one place, a bad value one line."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from customs_etl.core.errors import CustomsEtlError
from customs_etl.core.settings import PREFIX, QUICK, Settings, setting, settings
from tests.support import paths
from tests.support.cli import run_cli

ROOT = paths.ROOT


@pytest.mark.parametrize(
    ("variable", "value", "words"),
    [
        ("CUSTOMS_ETL_HTTP_POLITE_DELAY", "soon", "valid number"),
        ("CUSTOMS_ETL_HTTP_MAX_BYTES", "-5", "greater than 0"),
        ("CUSTOMS_ETL_DATA_DOCS", "perhaps", "boolean"),
        ("CUSTOMS_ETL_BUSY_WAIT_SECONDS", "-1", "greater than or equal to 0"),
        ("CUSTOMS_ETL_MEMORY_MB", "512MB", "valid number"),
    ],
)
def test_a_bad_value_is_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, words: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(CustomsEtlError) as caught:
        settings()
    message = str(caught.value)
    assert message.startswith(f"setting {variable}={value!r}") and words in message
    assert "\n" not in message


def test_a_bad_value_stops_a_command_with_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CUSTOMS_ETL_BUSY_WAIT_SECONDS", "a while")
    (tmp_path / "w.duckdb").write_bytes(b"")
    result = run_cli("report", "--period", "2025-07", "--warehouse", str(tmp_path / "w.duckdb"))
    assert result.code == 1 and "Traceback" not in result.output
    assert result.stderr.strip().startswith("error: setting CUSTOMS_ETL_BUSY_WAIT_SECONDS")


def test_secrets_never_show_and_blank_values_mean_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CUSTOMS_ETL_WEBHOOK_URL", "https://hooks.example/T0KEN")
    monkeypatch.setenv("CUSTOMS_ETL_HTTP_COOKIE", "session=abc123secret")
    monkeypatch.setenv("CUSTOMS_ETL_WAREHOUSE", "   ")
    current = settings()
    assert "T0KEN" not in repr(current) and "abc123secret" not in str(current)
    assert current.warehouse == Settings.model_fields["warehouse"].default


def test_no_module_reads_the_environment_but_settings() -> None:
    import re

    reads = re.compile(r"os\.environ\.get\(|os\.getenv\(|os\.environ\[[^]]+\](?!\s*=)")
    readers = {}
    for path in ROOT.glob("*/**/*.py"):
        if path.parts[len(ROOT.parts)] in {"tests", "bench", "tools", ".venv", "build"}:
            continue
        found = [
            line.strip()
            for line in path.read_text(encoding="utf-8").splitlines()
            if reads.search(line)
        ]
        if found:
            readers[str(path.relative_to(ROOT))] = found
    # The CLI reads PREFECT_HOME to create it (Prefect's variable, not ours): nothing else.
    assert set(readers) == {"customs_etl/cli.py"}, readers
    assert all("PREFECT_HOME" in line for line in readers["customs_etl/cli.py"])


# ------------------------------------------------------------------ setting(): one value, no import


def _variables(name: str) -> set[str]:
    """The variables pydantic-settings reads for one field of ``Settings``."""
    from pydantic import AliasChoices

    alias = Settings.model_fields[name].validation_alias
    if alias is None:
        return {PREFIX + name.upper()}
    if isinstance(alias, AliasChoices):
        return {str(choice) for choice in alias.choices}
    return {str(alias)}


@pytest.mark.parametrize("name", sorted(QUICK))
def test_a_quick_setting_is_declared_as_the_model_declares_it(name: str) -> None:
    default, variables = QUICK[name]
    assert default == Settings.model_fields[name].default
    assert set(variables) == _variables(name)


@pytest.mark.parametrize("name", sorted(QUICK))
def test_a_quick_setting_reads_what_settings_reads(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    (variable,) = QUICK[name][1]
    read = (PREFIX, "PREFECT_API", "PG", "AWS")
    for key in [k for k in os.environ if k.upper().startswith(read)]:
        monkeypatch.delenv(key)
    assert setting(name) == getattr(settings(), name) == QUICK[name][0]
    monkeypatch.setenv(variable, "  ")  # blank: the default
    assert setting(name) == QUICK[name][0]
    given = "300" if isinstance(QUICK[name][0], float) else " s3cret-or-path "
    monkeypatch.setenv(variable.lower(), given)  # any case, as pydantic-settings matches
    value = setting(name)
    assert value == getattr(settings(), name) and value != QUICK[name][0]
    shown = value.get_secret_value() if hasattr(value, "get_secret_value") else value
    assert shown == (300.0 if given == "300" else given.strip())


def test_a_quick_setting_that_is_set_is_checked_with_every_other(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CUSTOMS_ETL_MEMORY_MB", "100")  # below its floor
    with pytest.raises(CustomsEtlError, match="CUSTOMS_ETL_MEMORY_MB"):
        setting("memory_mb")
    monkeypatch.setenv("CUSTOMS_ETL_MEMORY_MB", "2048")
    monkeypatch.setenv("CUSTOMS_ETL_HTTP_POLITE_DELAY", "soon")  # another setting, bad
    with pytest.raises(CustomsEtlError, match="CUSTOMS_ETL_HTTP_POLITE_DELAY"):
        setting("memory_mb")
