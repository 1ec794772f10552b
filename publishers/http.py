"""HTTP plumbing shared by every live source: a retrying session, credentials, redaction, fetch.

Why a module of its own: each publisher client should only know *what* to fetch. How to be
polite (User-Agent, delay), how to survive flaky servers (retries with backoff, Retry-After,
bodies cut off mid-transfer), how to send the credentials a person put in the environment
(``CUSTOMS_ETL_HTTP_COOKIE``, ``CUSTOMS_ETL_HTTP_API_KEY``) and how never to leak them or a
key in a URL into a log line, an error or the warehouse are the same everywhere, so they live
here once.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import quote, quote_plus, unquote, urljoin, urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter
from requests.auth import AuthBase, HTTPBasicAuth
from requests.utils import get_auth_from_url
from urllib3.util.retry import Retry

from customs_etl.core.errors import SourceError
from customs_etl.core.settings import secret_text, settings

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
_DETAIL_BYTES = 500  # of an error answer's body kept for the caller (e.g. a rate-limit message)

ENV_MAX_BYTES = "CUSTOMS_ETL_HTTP_MAX_BYTES"
ENV_COOKIE = "CUSTOMS_ETL_HTTP_COOKIE"
DEFAULT_API_KEY_HEADER = "X-API-Key"
# Statuses a WAF answers with a JS challenge or a ban page: retrying without a browser is futile.
_CHALLENGE_STATUSES = frozenset({403, 412})


class _CappedRetry(Retry):
    """A Retry that honours Retry-After but never sleeps longer than two minutes.

    A misbehaving server answering ``Retry-After: 86400`` must not freeze a scheduled run.
    """

    def get_retry_after(self, response):  # type: ignore[no-untyped-def]
        seconds = super().get_retry_after(response)
        return None if seconds is None else min(seconds, _MAX_RETRY_AFTER)

    def is_retry(self, method, status_code, has_retry_after=False):  # type: ignore[no-untyped-def]
        """Retry-After makes urllib3 retry 413/429/503 even when not asked to: only statuses
        in the session's list are retried here (a caller may handle 429 itself)."""
        asked = status_code in (self.status_forcelist or ())
        return super().is_retry(method, status_code, has_retry_after and asked)


@dataclass(frozen=True)
class FetchedDocument:
    """Bytes as received plus what the raw store needs to file them (URL already redacted)."""

    url: str
    body: bytes
    status: int
    content_type: str
    fetched_at: datetime
    sha256: str


class UnexpectedContent(SourceError):
    """The server answered, but not with the kind of document asked for (never retried)."""


class HttpStatusError(SourceError):
    """A non-2xx answer. Keeps the status so callers can treat 404 as 'not published'."""

    def __init__(
        self, url: str, status: int, *, detail: str = "", retry_after: str | None = None
    ) -> None:
        self.url = url
        self.status = status
        self.detail = detail  # the start of the answer's text, secrets removed (not in str())
        self.retry_after = retry_after  # the Retry-After header as sent, if any
        hint = (
            " (a WAF/JS challenge or ban page, not data: the site wants a browser session; "
            f"a cookie from one can be given in ${ENV_COOKIE})"
            if status in _CHALLENGE_STATUSES
            else ""
        )
        super().__init__(f"{url}: HTTP {status}{hint}")


@dataclass(frozen=True)
class Credentials:
    """Secrets a person put in the environment for a publisher; ``repr`` never shows them."""

    cookie: str | None = field(default=None, repr=False)
    api_key: str | None = field(default=None, repr=False)
    api_key_header: str = DEFAULT_API_KEY_HEADER
    api_key_param: str | None = None

    @classmethod
    def from_env(cls) -> Credentials:
        """``$CUSTOMS_ETL_HTTP_COOKIE`` (a Cookie header) and ``$CUSTOMS_ETL_HTTP_API_KEY``
        (sent as header ``$…_API_KEY_HEADER``, default X-API-Key, or as query parameter
        ``$…_API_KEY_PARAM`` when that is set), from the settings."""
        current = settings()
        return cls(
            cookie=secret_text(current.http_cookie),
            api_key=secret_text(current.http_api_key),
            api_key_header=current.http_api_key_header.strip() or DEFAULT_API_KEY_HEADER,
            api_key_param=(current.http_api_key_param or "").strip() or None,
        )

    def __bool__(self) -> bool:
        return bool(self.cookie or self.api_key)

    def secrets(self) -> tuple[str, ...]:
        """Every form in which a secret could turn up in text, longest first.

        The whole cookie, each cookie value (a message may quote one pair), the API key and
        their URL-encoded forms (an error may quote the URL that carried the key).
        """
        found: set[str] = set()
        if self.cookie:
            found.add(self.cookie)
            for pair in self.cookie.split(";"):
                value = pair.partition("=")[2].strip()
                if len(value) >= 4:  # shorter values ("1", "yes") would mangle every message
                    found.add(value)
        if self.api_key:
            found.add(self.api_key)
        found |= {form for s in list(found) for form in (quote(s, safe=""), quote_plus(s))}
        return tuple(sorted(found, key=len, reverse=True))


def redact_secrets(text: str, credentials: Credentials | None = None) -> str:
    """``text`` with every configured secret (see ``Credentials.secrets``) replaced."""
    creds = Credentials.from_env() if credentials is None else credentials
    for secret in creds.secrets():
        text = text.replace(secret, REDACTED)
    return text


class CredentialAuth(AuthBase):
    """Adds the cookie and API key to requests for ``hosts`` (every host when None)."""

    def __init__(self, credentials: Credentials, hosts: Iterable[str] | None = None) -> None:
        self.credentials = credentials
        self.hosts = None if hosts is None else frozenset(h.lower() for h in hosts)

    def applies_to(self, url: str) -> bool:
        return self.hosts is None or (urlsplit(url).hostname or "").lower() in self.hosts

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        creds = self.credentials
        user, password = get_auth_from_url(request.url or "")
        if user or password:  # what requests does when a Session has no auth of its own
            request = HTTPBasicAuth(user, password)(request)
        if not self.applies_to(request.url or ""):
            return request
        if creds.cookie:
            jar_cookies = request.headers.get("Cookie")
            request.headers["Cookie"] = (
                f"{jar_cookies}; {creds.cookie}" if jar_cookies else creds.cookie
            )
        if creds.api_key and creds.api_key_param:
            request.prepare_url(request.url, {creds.api_key_param: creds.api_key})
        elif creds.api_key:
            request.headers[creds.api_key_header] = creds.api_key
        return request


class _CredentialSession(requests.Session):
    """Credentials follow a redirect on the same host only.

    requests drops a Cookie header on every redirect (so it is put back here) but keeps other
    headers, an API key included, when the redirect leaves for another host (so it goes).
    """

    def rebuild_auth(self, prepared_request, response):  # type: ignore[no-untyped-def]
        super().rebuild_auth(prepared_request, response)
        auth = self.auth
        if not isinstance(auth, CredentialAuth):
            return
        prepared_request.headers.pop(auth.credentials.api_key_header, None)
        if not self.should_strip_auth(response.request.url, prepared_request.url):
            auth(prepared_request)


def make_session(
    user_agent: str | None = None,
    retries: int = 4,
    backoff: float = 0.5,
    *,
    credentials: Credentials | None = None,
    secret_hosts: Iterable[str] | None = None,
    retry_statuses: Iterable[int] = RETRY_STATUSES,
) -> requests.Session:
    """A Session that retries connection/read failures and 429/5xx with jittered backoff.

    ``raise_on_status=False`` hands back the last response once retries run out, so ``fetch``
    can report the real status instead of an opaque "max retries" error. Credentials default
    to the environment's (``Credentials.from_env``) and go only to ``secret_hosts`` when given.
    """
    retry = _CappedRetry(
        total=retries,
        connect=retries,
        read=retries,
        backoff_factor=backoff,
        backoff_jitter=backoff / 2,
        status_forcelist=frozenset(retry_statuses),
        allowed_methods=frozenset({"GET", "HEAD", "POST"}),
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    session = _CredentialSession()
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = user_agent or DEFAULT_USER_AGENT
    creds = Credentials.from_env() if credentials is None else credentials
    if creds:
        session.auth = CredentialAuth(creds, secret_hosts)
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


def _session_secrets(session: requests.Session) -> Credentials:
    """The credentials this session sends; the environment's for a session built elsewhere."""
    auth = session.auth
    return auth.credentials if isinstance(auth, CredentialAuth) else Credentials.from_env()


def _scrub(text: str, url: str, credentials: Credentials | None = None) -> str:
    """Remove every form of the raw URL, configured secrets and stray secret pairs from text."""
    text = redact_secrets(text, credentials)
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


def rebase_link(href: str, base_url: str, home: str, hosts: Iterable[str], *, page: str) -> str:
    """An index's link moved onto ``base_url``; a link to any other host is refused.

    A publisher's pages link with absolute URLs to its real host (``home``): on a mirror, a
    proxy or a local test site those are rebuilt on the configured base URL. A link elsewhere
    (another host, another scheme) is never fetched: the index decides what the client
    fetches, and a tampered or mistaken index must not send it, with its credentials' session,
    anywhere else. ``page`` names the index in the refusal.
    """
    absolute = urljoin(home, href)
    parts = urlsplit(absolute)
    allowed = {h.lower() for h in hosts}
    if (parts.hostname or "").lower() not in allowed or parts.scheme not in ("http", "https"):
        raise UnexpectedContent(
            f"{page}: the index links to another host "
            f"({parts.scheme}://{parts.hostname or ''}): refused, not fetched"
        )
    tail = parts.path + (f"?{parts.query}" if parts.query else "")
    return f"{base_url.rstrip('/')}{tail}"


def _pause(seconds: float) -> None:
    """Indirection so tests can observe the polite delay without sleeping."""
    time.sleep(seconds)


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def max_body_bytes() -> int:
    """``$CUSTOMS_ETL_HTTP_MAX_BYTES`` (default 50 MB): no answer is read beyond it."""
    return settings().http_max_bytes


def _read_capped(response: requests.Response, limit: int, safe_url: str) -> bytes:
    """The body, refused as soon as it is known to exceed ``limit`` bytes (never all read)."""
    declared = response.headers.get("Content-Length", "")
    too_big = UnexpectedContent(
        f"{safe_url}: the answer is larger than {limit:,} bytes ({ENV_MAX_BYTES}): not loaded"
    )
    if declared.isdigit() and int(declared) > limit:
        raise too_big
    chunks, size = [], 0
    for chunk in response.iter_content(chunk_size=64 * 1024):
        size += len(chunk)
        if size > limit:
            raise too_big
        chunks.append(chunk)
    return b"".join(chunks)


def fetch(
    session: requests.Session,
    url: str,
    *,
    timeout: float | tuple[float, float] = (5, 30),
    polite_delay: float = 0.0,
    body_retries: int = 2,
    accept_types: Iterable[str] | None = None,
) -> FetchedDocument:
    """GET one document; any failure becomes a SourceError that names only the redacted URL.

    Non-2xx answers raise ``HttpStatusError`` (a SourceError carrying ``status``); deciding
    whether 404 means "not published yet" is the caller's business. A body shorter than its
    Content-Length (the connection dropped mid-transfer) is fetched again up to
    ``body_retries`` times: urllib3's retries stop once the headers arrived. With
    ``accept_types``, an answer declaring another media type is refused, never handed on. No
    body is read beyond ``$CUSTOMS_ETL_HTTP_MAX_BYTES`` (default 50 MB).
    """
    secrets = _session_secrets(session)
    safe_url = redact_secrets(redact_url(url), secrets)
    limit = max_body_bytes()
    if polite_delay > 0:
        _pause(polite_delay)
    for attempt in range(body_retries + 1):
        try:
            response = session.get(url, timeout=timeout, stream=True)
            try:
                body = _read_capped(response, limit, safe_url)
            finally:
                response.close()
            break
        except requests.exceptions.ChunkedEncodingError as exc:
            if attempt < body_retries:
                _pause(0.2 * (attempt + 1))
                continue
            reason = _scrub(str(exc), url, secrets)
            raise SourceError(
                f"{safe_url}: the answer was cut off mid-transfer {attempt + 1} time(s): {reason}"
            ) from None
        except requests.RequestException as exc:
            # ``from None``: the chained urllib3 error repeats the raw URL, secrets included.
            reason = _scrub(str(exc), url, secrets)
            if isinstance(exc, requests.Timeout) or "timed out" in reason.lower():
                raise SourceError(
                    f"{safe_url}: timed out (timeout={timeout!r}): {reason}"
                ) from None
            raise SourceError(f"{safe_url}: {type(exc).__name__}: {reason}") from None
    if not 200 <= response.status_code < 300:
        detail = _scrub(body[:_DETAIL_BYTES].decode("utf-8", "replace"), url, secrets)
        raise HttpStatusError(
            safe_url,
            response.status_code,
            detail=" ".join(detail.split()),
            retry_after=response.headers.get("Retry-After"),
        )
    content_type = response.headers.get("Content-Type", "")
    wanted = {t.lower() for t in accept_types} if accept_types is not None else None
    if wanted is not None and content_type and _media_type(content_type) not in wanted:
        raise UnexpectedContent(
            f"{safe_url}: answered with content type {_media_type(content_type)!r}, "
            f"expected {' or '.join(sorted(wanted))}: not loaded"
        )
    return FetchedDocument(
        url=safe_url,
        body=body,
        status=response.status_code,
        content_type=content_type,
        fetched_at=datetime.now(UTC),
        sha256=hashlib.sha256(body).hexdigest(),
    )
