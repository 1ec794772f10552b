"""GX Data Docs that work offline: the scripts, stylesheets, fonts and images their pages load.

GX 1.24's templates (``great_expectations/render/view/templates``: ``page.j2``,
``index_page.j2``, ``js_script_imports.j2``, ``top_navbar.j2`` and the stylesheet the pages
inline) load Bootstrap, jQuery, Popper, bootstrap-table and its filter-control extension,
bootstrap-datepicker, bootstrap-dark, Font Awesome and Vega/Vega-Lite/Vega-Embed from CDNs, and
GX's logo from GX's S3 bucket. On an offline machine a reviewer's page is unstyled and its
tables neither sort nor filter.

``make_offline`` copies those files from installed, pinned packages into
``site/static/vendor/`` (once: a file already there and identical is left alone) and rewrites
the pages GX has just written — every ``.html``, and the stylesheets GX copies into
``site/static/styles`` — to load them by relative links, which work from any page depth;
``integrity`` and ``crossorigin`` attributes (they name the CDN's copy) are dropped. The logo
comes from GX's own ``static/images``. A remote reference this module does not know (a newer
GX) is left as it is and logged; ``tests/expectations/test_data_docs.py`` checks every template URL
is known.
"""

from __future__ import annotations

import filecmp
import importlib
import logging
import os
import re
import shutil
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path

log = logging.getLogger(__name__)

VENDOR = Path("static") / "vendor"  # under the site folder
GX_IMAGES = Path("static") / "images"  # GX copies its own images there on every build
_VENDORED = Path(__file__).resolve().parent / "data_docs_vendor"


def _xstatic(name: str) -> Callable[[], Path]:
    """An XStatic package's files (``xstatic.pkg.NAME.BASE_DIR``)."""
    return lambda: Path(importlib.import_module(f"xstatic.pkg.{name}").BASE_DIR)


def _package(name: str, folder: str) -> Callable[[], Path]:
    return lambda: Path(str(resources.files(name))) / folder


def _vendored(folder: str) -> Callable[[], Path]:
    return lambda: _VENDORED / folder


@dataclass(frozen=True)
class Library:
    """One library the pages load: where its files come from and where they go."""

    folder: str  # under site/static/vendor
    package: str  # the package that ships the files
    version: str  # the library's version in that package
    asked: str  # what GX's templates ask for
    locate: Callable[[], Path]  # the files' folder in the installed package
    files: Mapping[str, str]  # path in the site's folder → path under locate()

    def sources(self) -> Iterator[tuple[Path, Path]]:
        root = self.locate()
        for target, source in self.files.items():
            yield root / source, VENDOR / self.folder / target


_FONTS = [f"fa-{n}.{ext}" for n in ("brands-400", "regular-400", "solid-900", "v4compatibility")
          for ext in ("woff2", "ttf")]  # fmt: skip

# Versions pinned in pyproject.toml. Where a package's version differs from what GX asks for,
# ``asked`` says so (README "Data Docs offline").
LIBRARIES = (
    Library(
        "bootstrap",
        "XStatic-Bootstrap 4.5.3.1",
        "4.5.3",
        "4.3.1, and Popper 1.12.9 (here Popper 1.16.1 inside bootstrap.bundle.min.js)",
        _xstatic("bootstrap"),
        {f: f for f in ("css/bootstrap.min.css", "js/bootstrap.bundle.min.js")},
    ),
    Library(
        "jquery",
        "XStatic-jQuery 3.7.1.1",
        "3.7.1",
        "3.7.1",
        _xstatic("jquery"),
        {"jquery.min.js": "jquery.min.js"},
    ),
    Library(
        "bootstrap-datepicker",
        "XStatic-Bootstrap-Datepicker 1.4.0.1",
        "1.4.0",
        "1.9.0 (the newest packaged on PyPI is 1.4.0; only the index's date filter uses it)",
        _xstatic("bootstrap_datepicker"),
        # datepicker.css: 1.4's name for bootstrap-datepicker.css
        {
            "bootstrap-datepicker.js": "bootstrap-datepicker.js",
            "bootstrap-datepicker.css": "datepicker.css",
        },
    ),
    Library(
        "fontawesome",
        "fontawesomefree 6.6.0",
        "6.6.0",
        "6.6.0",
        _package("fontawesomefree", "static/fontawesomefree"),
        {
            "css/all.min.css": "css/all.min.css",
            "LICENSE.txt": "LICENSE.txt",
            **{f"webfonts/{f}": f"webfonts/{f}" for f in _FONTS},
        },
    ),
    Library(
        "vega",
        "django-js-lib-vega-embed 6.29.0.3",
        "vega 5.33.0, vega-lite 5.23.0, vega-embed 6.29.0",
        "vega@5, vega-lite@5, vega-embed@6 (whatever 5.x/5.x/6.x the CDN serves)",
        _package("js_lib_vega_embed", "static/js_lib_vega_embed"),
        {f: f for f in ("vega5.js", "vega-lite5.js", "vega-embed6.js")},
    ),
    # No PyPI package carries these two: vendored from their npm packages, byte for byte, both
    # MIT licensed (licence files beside them; provenance in data_docs_vendor/SOURCES.md).
    Library(
        "bootstrap-table",
        "bootstrap-table 1.19.1 (npm; vendored in expectations/data_docs_vendor, MIT)",
        "1.19.1",
        "1.19.1 (its filter-control stylesheet: 1.19.0)",
        _vendored("bootstrap-table"),
        {
            f: f
            for f in (
                "bootstrap-table.min.css",
                "bootstrap-table.min.js",
                "LICENSE",
                "extensions/filter-control/bootstrap-table-filter-control.min.css",
                "extensions/filter-control/bootstrap-table-filter-control.min.js",
            )
        },
    ),
    Library(
        "bootstrap-dark",
        "@forevolve/bootstrap-dark 1.1.0 (npm; vendored in expectations/data_docs_vendor, MIT)",
        "1.1.0",
        "1.1.0 (the unminified bootstrap-prefers-dark.css)",
        _vendored("bootstrap-dark"),
        {f: f for f in ("bootstrap-prefers-dark.min.css", "LICENSE")},
    ),
)

_BT = "https://unpkg.com/bootstrap-table@1.19.{}/dist/"
_FC = "extensions/filter-control/bootstrap-table-filter-control"
# Every remote URL of GX 1.24's templates → the local file (under site/static/vendor); None:
# the tag goes (Popper comes inside Bootstrap's bundle).
REMOTE: dict[str, str | None] = {
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css":
        "bootstrap/css/bootstrap.min.css",
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js":
        "bootstrap/js/bootstrap.bundle.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": None,
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery/jquery.min.js",
    _BT.format(1) + "bootstrap-table.min.css": "bootstrap-table/bootstrap-table.min.css",
    _BT.format(1) + "bootstrap-table.min.js": "bootstrap-table/bootstrap-table.min.js",
    _BT.format(1) + _FC + ".min.js": f"bootstrap-table/{_FC}.min.js",
    _BT.format(0) + _FC + ".min.css": f"bootstrap-table/{_FC}.min.css",
    _BT.format(0) + _FC + ".css": f"bootstrap-table/{_FC}.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/"
    "bootstrap-datepicker.min.css": "bootstrap-datepicker/bootstrap-datepicker.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/"
    "bootstrap-datepicker.min.js": "bootstrap-datepicker/bootstrap-datepicker.js",
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/"
    "bootstrap-prefers-dark.css": "bootstrap-dark/bootstrap-prefers-dark.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css":
        "fontawesome/css/all.min.css",
    "https://cdn.jsdelivr.net/npm/vega@5": "vega/vega5.js",
    "https://cdn.jsdelivr.net/npm/vega-lite@5": "vega/vega-lite5.js",
    "https://cdn.jsdelivr.net/npm/vega-embed@6": "vega/vega-embed6.js",
}  # fmt: skip
# GX's logo, loaded from its bucket (with a time and the context's id as query): GX ships
# logo-long.png in static/images; the dark-mode logo it has nowhere else, so dark mode shows
# the same one.
GX_BUCKET = "https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/"
GX_BUCKET_IMAGES = {"logo-long.png": "logo-long.png", "full_logo_dark.png": "logo-long.png"}
REMOTE_PREFIXES = ("http://", "https://", "//")

_TAG = re.compile(r"<(?P<name>script|link|img)\b(?P<attrs>[^>]*)>(?P<close>\s*</script>)?", re.I)
_URL_ATTR = re.compile(r"""\b(?:src|href)\s*=\s*(?P<q>["'])(?P<url>.*?)(?P=q)""", re.I | re.S)
_CDN_ATTR = re.compile(r"""\s+(?:integrity|crossorigin)(?:\s*=\s*(["']).*?\1)?""", re.I | re.S)
_CSS_URL = re.compile(r"""url\(\s*(?P<q>["']?)(?P<url>[^)"']*)(?P=q)\s*\)""", re.I)
_FAVICON = "static/images/favicon.ico"
_DROP = Path()  # sentinel: the tag goes


def _license_of(distribution: str) -> Callable[[], Path]:
    def locate() -> Path:
        for file in metadata.distribution(distribution).files or []:
            if file.name in ("LICENSE", "LICENSE.txt"):
                return Path(str(file.locate()))
        raise FileNotFoundError(f"{distribution} ships no licence file")

    return locate


# Vega's licence (BSD-3-Clause) is in its package's metadata, not beside the scripts.
_EXTRA = ((_license_of("django-js-lib-vega-embed"), VENDOR / "vega" / "LICENSE"),)


def asset_files() -> Iterator[tuple[Path, Path]]:
    """(installed file, path under the site) for every file the pages need."""
    for library in LIBRARIES:
        yield from library.sources()
    for locate, target in _EXTRA:
        yield locate(), target


def _partial(target: Path) -> Path:
    """A temporary name beside ``target``, this process's own (two runs may share a site)."""
    return target.with_name(f".{target.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.partial")


def _copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = _partial(target)
    shutil.copy2(source, partial)  # keeps the time: the next build's check is one stat
    os.replace(partial, target)  # a page open meanwhile never sees half a file


def install_assets(site: Path) -> bool:
    """Copy the assets into ``site``; True when anything was copied (new or changed)."""
    copied = False
    for source, relative in asset_files():
        target = site / relative
        if target.is_file() and filecmp.cmp(source, target, shallow=True):
            continue
        _copy(source, target)
        copied = True
    return copied


def local_target(url: str, site: Path) -> Path | None:
    """The local file for a remote URL GX's pages load (``_DROP``: none needed); None when
    unknown."""
    if url in REMOTE:
        target = REMOTE[url]
        return _DROP if target is None else site / VENDOR / target
    if url.startswith(GX_BUCKET):
        name = url[len(GX_BUCKET) :].split("?", 1)[0]
        if name in GX_BUCKET_IMAGES:
            return site / GX_IMAGES / GX_BUCKET_IMAGES[name]
    return None


def is_remote(url: str) -> bool:
    return url.strip().lower().startswith(REMOTE_PREFIXES)


def _relative(target: Path, page: Path) -> str:
    return Path(os.path.relpath(target, page.parent)).as_posix()


def _css_urls(text: str, page: Path, site: Path, unknown: list[str]) -> str:
    def swap(match: re.Match[str]) -> str:
        url = match["url"]
        if not is_remote(url):
            return match[0]
        target = local_target(url, site)
        if target is None or target == _DROP:
            unknown.append(url)
            return match[0]
        return f"url('{_relative(target, page)}')"

    return _CSS_URL.sub(swap, text)


def rewrite_html(text: str, page: Path, site: Path) -> tuple[str, list[str]]:
    """``text`` of ``page`` with its remote scripts, stylesheets and images local; also the
    remote URLs it could not place."""
    unknown: list[str] = []

    def swap(match: re.Match[str]) -> str:
        name, attrs = match["name"].lower(), match["attrs"]
        close = match["close"] or ""
        found = _URL_ATTR.search(attrs)
        if found is None:
            return match[0]
        url = found["url"]
        if not is_remote(url):
            if name == "link" and url.endswith(_FAVICON):  # GX's favicon link is one level
                url = _relative(site / _FAVICON, page)  # short on result pages
                attrs = attrs[: found.start("url")] + url + attrs[found.end("url") :]
                return f"<{match['name']}{attrs}>{close}"
            return match[0]
        target = local_target(url, site)
        if target is None:
            unknown.append(url)
            return match[0]
        if target == _DROP:
            return "" if name == "script" else match[0]
        attrs = attrs[: found.start("url")] + _relative(target, page) + attrs[found.end("url") :]
        return f"<{match['name']}{_CDN_ATTR.sub('', attrs)}>{close}"

    return _css_urls(_TAG.sub(swap, text), page, site, unknown), unknown


def rewrite_css(text: str, path: Path, site: Path) -> tuple[str, list[str]]:
    unknown: list[str] = []
    return _css_urls(text, path, site, unknown), unknown


def _written(site: Path, since: float | None) -> Iterator[Path]:
    """The site's pages and GX's stylesheets (not the vendored files), those modified at or
    after ``since`` only when given."""
    vendor = site / VENDOR
    for folder, dirs, files in os.walk(site):
        if Path(folder) == vendor.parent:
            dirs[:] = [d for d in dirs if d != vendor.name]
        for name in files:
            path = Path(folder) / name
            if path.suffix in (".html", ".css") and (
                since is None or path.stat().st_mtime >= since
            ):
                yield path


def make_offline(site: Path, since: float | None = None) -> list[str]:
    """Install the assets and rewrite what GX wrote at or after ``since`` (every page when the
    assets were just installed: a site built before this existed); return the remote URLs
    left in place (unknown)."""
    site = site.resolve()
    if install_assets(site):
        since = None
    unknown: list[str] = []
    for path in _written(site, since):
        text = path.read_text(encoding="utf-8")
        rewrite = rewrite_html if path.suffix == ".html" else rewrite_css
        new, left = rewrite(text, path, site)
        unknown += left
        if new != text:
            partial = _partial(path)
            partial.write_text(new, encoding="utf-8")
            os.replace(partial, path)
    if unknown:
        log.warning(
            "Data Docs still load %d remote file(s) (unknown to data_docs_assets): %s",
            len(set(unknown)),
            ", ".join(sorted(set(unknown))),
        )
    return sorted(set(unknown))


def build_started() -> float:
    """A time before GX writes: file times can trail the clock by a tick, so a margin."""
    return time.time() - 2.0
