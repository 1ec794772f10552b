"""The settings' declaration: pydantic-settings models, imported only when a value must be
read from the environment and checked (``core.settings`` says when; import it from there).
"""

from __future__ import annotations

from pydantic import AliasChoices, Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from customs_etl.core.setting_defaults import (
    DEFAULT_BUSY_WAIT_SECONDS,
    DEFAULT_LANDING,
    DEFAULT_MEMORY_MB,
    DEFAULT_WAREHOUSE,
    PREFIX,
)


class SettingsGroup(BaseSettings):
    """Variables read together (``CUSTOMS_ETL_`` + the field name in capitals): the core's
    ``Settings`` below, or a publisher's own group (see the module docstring)."""

    model_config = SettingsConfigDict(
        env_prefix=PREFIX, extra="ignore", frozen=True, env_ignore_empty=True
    )

    @field_validator("*", mode="before")
    @classmethod
    def _strip(cls, value: object, info: ValidationInfo) -> object:
        """Values copied into an environment often carry stray spaces: ' off ' means off, and
        a blank value means the default."""
        if not isinstance(value, str):
            return value
        text = value.strip()
        return text if text else cls.model_fields[str(info.field_name)].default


class Settings(SettingsGroup):
    """The environment a run sees (``CUSTOMS_ETL_`` + the field name in capitals)."""

    warehouse: str = Field(
        DEFAULT_WAREHOUSE,
        description="DuckDB file, or a DuckLake: ducklake:postgres:dbname=... host=... user=...",
    )
    lake_data_path: str | None = Field(
        None, description="DuckLake data files: a folder every machine sees, or s3://bucket/prefix"
    )
    landing_url: str = Field(DEFAULT_LANDING, description="landing folder or fsspec URL")
    comtrade_url: str = Field("https://comtradeapi.un.org", description="UN Comtrade API base URL")
    comtrade_key: SecretStr | None = Field(
        None, description="UN Comtrade subscription key (header Ocp-Apim-Subscription-Key)"
    )
    comtrade_max_records: int | None = Field(
        None, gt=0, description="rows per Comtrade call (default: the endpoint's cap)"
    )
    http_polite_delay: float = Field(1.0, ge=0, description="seconds between requests")
    http_max_bytes: int = Field(50 * 1024 * 1024, gt=0, description="largest answer read")
    http_cookie: SecretStr | None = Field(None, description="Cookie header for the publisher")
    http_api_key: SecretStr | None = Field(None, description="API key for the publisher")
    http_api_key_header: str = Field("X-API-Key", description="header carrying the API key")
    http_api_key_param: str | None = Field(None, description="query parameter for the key")
    busy_wait_seconds: float = Field(
        DEFAULT_BUSY_WAIT_SECONDS, ge=0, description="wait for a running load"
    )
    batch_mb: float = Field(
        32.0,
        gt=0,
        description="documents read into one batch at most (MB): GX runs once per batch; "
        "peak memory grows with it",
    )
    memory_mb: float = Field(
        DEFAULT_MEMORY_MB,
        ge=256,
        description="memory a run aims to stay within (MB): bounds DuckDB's memory on the "
        "warehouse, the batch size, and whether the next batch is prepared while one loads",
    )
    webhook_url: SecretStr | None = Field(None, description="failure notices go here")
    data_docs: bool = Field(True, description="build GX Data Docs beside the warehouse")
    data_docs_dir: str | None = Field(
        None, description="where Data Docs go (default: data_docs beside the warehouse file)"
    )
    prefect_api_idle_minutes: float = Field(
        10.0,
        ge=0,
        description="minutes Prefect's temporary API started by a run stays up idle for later "
        "runs to reuse (0: stopped when the run ends)",
    )
    # Not ours, read here so nothing else reads the environment: the usual AWS variables for a
    # lake on s3:// (DuckDB's httpfs), and PostgreSQL's password, only to redact it from errors
    # (libpq reads PGPASSWORD, service and pass files itself).
    aws_access_key_id: str | None = Field(None, validation_alias="AWS_ACCESS_KEY_ID")
    aws_secret_access_key: SecretStr | None = Field(None, validation_alias="AWS_SECRET_ACCESS_KEY")
    aws_session_token: SecretStr | None = Field(None, validation_alias="AWS_SESSION_TOKEN")
    aws_region: str | None = Field(
        None, validation_alias=AliasChoices("AWS_REGION", "AWS_DEFAULT_REGION")
    )
    aws_endpoint_url: str | None = Field(
        None, validation_alias=AliasChoices("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL")
    )
    pgpassword: SecretStr | None = Field(None, validation_alias="PGPASSWORD")
    # Prefect's own: ``status`` asks that API for the last runs over plain HTTP (no Prefect
    # import); Prefect itself reads them too.
    prefect_api_url: str | None = Field(None, validation_alias="PREFECT_API_URL")
    prefect_api_key: SecretStr | None = Field(None, validation_alias="PREFECT_API_KEY")
    # Where Prefect keeps its database; unset, Prefect's default ``~/.prefect``.
    prefect_home: str | None = Field(None, validation_alias="PREFECT_HOME")
