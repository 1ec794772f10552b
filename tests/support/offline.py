"""What a static site's pages and stylesheets load: every resource reference, remote or local.

A *resource* is what a browser fetches by itself to show a page — a script, a stylesheet, a
font, an image, a frame — not a link a person may click (``<a href>``). References come from
tag attributes (``script src``, ``link href``, ``img src``/``srcset`` …), ``style``
attributes, ``<style>`` blocks and stylesheets (``url(…)``, ``@import``). Remote means
``http://``, ``https://`` or protocol-relative ``//``; ``data:`` URIs are neither.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

# Attributes that make the browser fetch something, per tag ("*": any tag).
RESOURCE_ATTRIBUTES = {
    "script": ("src",),
    "link": ("href",),  # stylesheets, icons, preloads, fonts
    "img": ("src", "srcset"),
    "source": ("src", "srcset"),
    "image": ("href", "xlink:href"),
    "use": ("href", "xlink:href"),
    "iframe": ("src",),
    "frame": ("src",),
    "embed": ("src",),
    "object": ("data",),
    "video": ("src", "poster"),
    "audio": ("src",),
    "track": ("src",),
    "input": ("src",),
    "*": ("background",),
}
REMOTE = ("http://", "https://", "//")
_CSS_URL = re.compile(r"""url\(\s*(["']?)(.*?)\1\s*\)""", re.I | re.S)
_CSS_IMPORT = re.compile(r"""@import\s+(["'])(.*?)\1""", re.I)
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.S)


@dataclass(frozen=True)
class Reference:
    file: Path
    where: str  # e.g. "<script src>", "url()"
    url: str

    @property
    def remote(self) -> bool:
        return self.url.strip().lower().startswith(REMOTE)

    @property
    def local(self) -> bool:
        lowered = self.url.strip().lower()
        return not self.remote and not lowered.startswith(("data:", "#", "about:", "blob:"))

    def target(self) -> Path:
        """The local file it names (query and fragment dropped)."""
        path = unquote(urlsplit(self.url.strip()).path)
        return (self.file.parent / path).resolve()


def css_references(text: str, file: Path) -> list[Reference]:
    text = _CSS_COMMENT.sub("", text)
    found = [Reference(file, "url()", m.group(2)) for m in _CSS_URL.finditer(text)]
    return found + [Reference(file, "@import", m.group(2)) for m in _CSS_IMPORT.finditer(text)]


class _Page(HTMLParser):
    def __init__(self, file: Path) -> None:
        super().__init__(convert_charrefs=True)
        self.file = file
        self.found: list[Reference] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wanted = RESOURCE_ATTRIBUTES.get(tag, ()) + RESOURCE_ATTRIBUTES["*"]
        for name, value in attrs:
            if value is None:
                continue
            if name in wanted:
                urls = [u.strip().split()[0] for u in value.split(",") if u.strip()]
                if name != "srcset":
                    urls = [value]
                self.found += [Reference(self.file, f"<{tag} {name}>", u) for u in urls]
            elif name == "style":
                self.found += css_references(value, self.file)
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.found += css_references(data, self.file)


def references(file: Path) -> list[Reference]:
    """Every resource reference of an ``.html`` or ``.css`` file."""
    text = file.read_text(encoding="utf-8")
    if file.suffix == ".css":
        return css_references(text, file)
    page = _Page(file)
    page.feed(text)
    page.close()
    return page.found


def site_files(site: Path) -> list[Path]:
    """Every page and stylesheet of a site, the shipped ones included."""
    return sorted(p for p in site.rglob("*") if p.suffix in (".html", ".css") and p.is_file())
