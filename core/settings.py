"""Every setting customs-etl reads from the environment, in one object.

``CUSTOMS_ETL_*`` variables are read here and nowhere else (pydantic-settings, which Prefect
already brings; the models are in ``core.settings_model``). A bad value is one line naming the
variable, never a traceback from deep in a run. Secrets are ``SecretStr``: their ``repr`` and
``str`` never show the value, so a settings object can be logged. Reading settings has no side
effects; ``settings()`` reads the environment afresh each time, so a test or a deployment that
changes a variable is seen at once.

A publisher owns the variables only it reads (its base URL): it declares them as a small
``SettingsGroup`` subclass in its own package and reads them with ``read_settings``, which
applies the same prefix, stripping and one-line errors. The project's settings are then
``Settings`` plus each publisher's group (``publishers.registry.settings_groups``); nothing
reads the environment any other way.

Reading commands (``report``, ``status``, …) must answer in half a second, and importing
pydantic and pydantic-settings alone takes ~0.2 s (issue 21). So the few settings they need
are also read one at a time with ``setting(name)``: a variable that is unset or blank means its
default, which needs no checking and no import; one that is set is read and checked through
``settings()``, with every other, exactly as a loading command reads it. So a reading command
stops on a bad value only among the settings it reads, while a loading command checks every
setting before it creates anything (``warehouse.backends.duckdb_file.connect_writer``).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, TypeVar

from customs_etl.core.errors import CustomsEtlError
from customs_etl.core.setting_defaults import (  # noqa: F401 (re-exported)
    DEFAULT_BUSY_WAIT_SECONDS,
    DEFAULT_LANDING,
    DEFAULT_MEMORY_MB,
    DEFAULT_WAREHOUSE,
    PREFIX,
    QUICK,
)

if TYPE_CHECKING:
    from pydantic import SecretStr, ValidationError

    from customs_etl.core.settings_model import Settings, SettingsGroup

    Group = TypeVar("Group", bound=SettingsGroup)


def __getattr__(name: str) -> Any:
    """``Settings`` and ``SettingsGroup``, imported from ``core.settings_model`` (and with them
    pydantic) only when first asked for."""
    if name in ("Settings", "SettingsGroup"):
        from customs_etl.core import settings_model

        return getattr(settings_model, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _one_line(error: ValidationError) -> str:
    first = error.errors()[0]
    field = str(first["loc"][0]) if first.get("loc") else "?"
    variable = PREFIX + field.upper()
    given = first.get("input")
    shown = "" if given is None or "secret" in field or "cookie" in field or "key" in field else (
        f"={given!r}"
    )
    return f"setting {variable}{shown}: {first['msg']}"


def read_settings(group: type[Group]) -> Group:
    """A group's current values; a bad value is a ``CustomsEtlError`` naming its variable."""
    from pydantic import ValidationError

    try:
        return group()
    except ValidationError as exc:
        raise CustomsEtlError(_one_line(exc)) from None


def settings() -> Settings:
    """The current settings; a bad value is a ``CustomsEtlError`` naming its variable."""
    from customs_etl.core.settings_model import Settings

    return read_settings(Settings)


def setting(name: str) -> Any:
    """One of the ``QUICK`` settings: its default while none of its variables is set (pydantic
    is not imported), else its value as ``settings()`` reads and checks it. Variable names
    match in any case, as pydantic-settings matches them."""
    default, variables = QUICK[name]
    if any(key.upper() in variables and value.strip() for key, value in os.environ.items()):
        return getattr(settings(), name)
    return default


def prefect_variables() -> dict[str, str]:
    """Prefect's own variables (``PREFECT_*``) as this process sees them: with Prefect's
    files, what decides the settings of a Prefect API this process starts
    (``flows.temporary_api``)."""
    return {name: value for name, value in os.environ.items() if name.startswith("PREFECT_")}


def secret_text(value: SecretStr | None) -> str | None:
    """The plain text of a secret setting, or None when it is unset or blank."""
    if value is None:
        return None
    text = value.get_secret_value().strip()
    return text or None
