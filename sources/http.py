"""HTTP plumbing shared by every live source: a retrying session, URL redaction, one fetch.

Why a module of its own: each publisher client should only know *what* to fetch. How to be
polite (User-Agent, delay), how to survive flaky servers (retries with backoff, Retry-After)
and how never to leak a key into a log line are the same everywhere, so they live here once.
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import unquote, urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from customs_etl.errors import SourceError

DEFAULT_USER_AGENT = "customs-etl/0.1 (+data pipeline; contact via repository)"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
REDACTED = "REDACTED"

# Query-parameter names are split into words ("subscription-key" -> subscription, key;
# "apiKey" -> api, key). A parameter is secret when one word is in _SECRET_WORDS or the whole
# lower-cased name contains one of _SECRET_PARTS (for glued names like "jsessionid").
_SECRET_WORDS = frozenset(
    {
        "key",
        "token",
        "secret",
        "password",
        "passwd",
        "pwd",
        "pass",
        "sig",
        "signature",
        "session",
        "sid",
        "cookie",
        "auth",
        "authorization",
        "credential",
        "credentials",
        "jwt",
    }
)
_SECRET_PARTS = (
    "token",
    "secret",
    "password",
    "passwd",
    "apikey",
    "sessionid",
    "signature",
    "cookie",
    "credential",
    "subscriptionkey",
    "accesskey",
    "privatekey",
)
_MAX_RETRY_AFTER = 120.0


class _CappedRetry(Retry):
    """A Retry that honours Retry-After but never sleeps longer than two minutes.

    A misbehaving server answering ``Retry-After: 86400`` must not freeze a scheduled run.
    """

    def get_retry_after(self, response):  # type: ignore[no-untyped-def]
        seconds = super().get_retry_after(response)
        return None if seconds is None else min(seconds, _MAX_RETRY_AFTER)


@dataclass(frozen=True)
class FetchedDocument:
    """Bytes as received plus what the raw store needs to file them (URL already redacted)."""

    url: str
    body: bytes
    status: int
    content_type: str
    fetched_at: datetime
    sha256: str


class HttpStatusError(SourceError):
    """A non-2xx answer. Keeps the status so callers can treat 404 as 'not published'."""

    def __init__(self, url: str, status: int) -> None:
        self.url = url
        self.status = status
        super().__init__(f"{url}: HTTP {status}")


def make_session(
    user_agent: str | None = None, retries: int = 4, backoff: float = 0.5
) -> requests.Session:
    """A Session that retries connection/read failures and 429/5xx with jittered backoff.

    ``raise_on_status=False`` hands back the last response once retries run out, so ``fetch``
    can report the real status instead of an opaque "max retries" error.
    """
    retry = _CappedRetry(
        total=retries,
        connect=retries,
        read=retries,
        backoff_factor=backoff,
        backoff_jitter=backoff / 2,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=frozenset({"GET", "HEAD", "POST"}),
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = user_agent or DEFAULT_USER_AGENT
    return session


def _is_secret_name(name: str) -> bool:
    lowered = unquote(name).lower()
    if any(part in lowered.replace("-", "").replace("_", "") for part in _SECRET_PARTS):
        return True
    camel_split = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", unquote(name))
    words = re.split(r"[^a-z0-9]+", camel_split.lower())
    return any(word in _SECRET_WORDS for word in words)


def _redact_pairs(query: str) -> str:
    """Mask the values of secret-looking parameters, leaving the rest byte-for-byte intact."""
    if not query:
        return query
    pieces = []
    for piece in query.split("&"):
        name, sep, _value = piece.partition("=")
        pieces.append(f"{name}={REDACTED}" if sep and _is_secret_name(name) else piece)
    return "&".join(pieces)


def redact_url(url: str) -> str:
    """The URL safe to log or store: userinfo password and secret query values masked."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return re.sub(r"[?#].*", "?" + REDACTED, url)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, host = netloc.rpartition("@")
        user, has_password, _password = userinfo.partition(":")
        netloc = f"{user}:{REDACTED}@{host}" if has_password else f"{user}@{host}"
    fragment = _redact_pairs(parts.fragment) if "=" in parts.fragment else parts.fragment
    return urlunsplit((parts.scheme, netloc, parts.path, _redact_pairs(parts.query), fragment))


def _scrub(text: str, url: str) -> str:
    """Remove every form of the raw URL (and stray secret pairs) from an exception message."""
    safe = redact_url(url)
    parts = urlsplit(url)
    raw_tail = parts.path + ("?" + parts.query if parts.query else "")
    safe_parts = urlsplit(safe)
    safe_tail = safe_parts.path + ("?" + safe_parts.query if safe_parts.query else "")
    text = text.replace(url, safe)
    if raw_tail:
        text = text.replace(raw_tail, safe_tail)
    if parts.password:
        text = text.replace(f":{parts.password}@", f":{REDACTED}@")
    return re.sub(
        r"([?&;]\s*)([^=&\s]+)=([^&\s'\")]+)",
        lambda m: (
            m.group(0)
            if not _is_secret_name(m.group(2))
            else f"{m.group(1)}{m.group(2)}={REDACTED}"
        ),
        text,
    )


def _pause(seconds: float) -> None:
    """Indirection so tests can observe the polite delay without sleeping."""
    time.sleep(seconds)


def fetch(
    session: requests.Session,
    url: str,
    *,
    timeout: float | tuple[float, float] = (5, 30),
    polite_delay: float = 0.0,
) -> FetchedDocument:
    """GET one document; any failure becomes a SourceError that names only the redacted URL.

    Non-2xx answers raise ``HttpStatusError`` (a SourceError carrying ``status``); deciding
    whether 404 means "not published yet" is the caller's business.
    """
    safe_url = redact_url(url)
    if polite_delay > 0:
        _pause(polite_delay)
    try:
        response = session.get(url, timeout=timeout)
        body = response.content
    except requests.RequestException as exc:
        # ``from None``: the chained urllib3 error repeats the raw URL, secrets included.
        reason = _scrub(str(exc), url)
        if isinstance(exc, requests.Timeout) or "timed out" in reason.lower():
            raise SourceError(f"{safe_url}: timed out (timeout={timeout!r}): {reason}") from None
        raise SourceError(f"{safe_url}: {type(exc).__name__}: {reason}") from None
    if not 200 <= response.status_code < 300:
        raise HttpStatusError(safe_url, response.status_code)
    return FetchedDocument(
        url=safe_url,
        body=body,
        status=response.status_code,
        content_type=response.headers.get("Content-Type", ""),
        fetched_at=datetime.now(UTC),
        sha256=hashlib.sha256(body).hexdigest(),
    )
