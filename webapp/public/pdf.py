"""Published policies as PDF documents, made with WeasyPrint from the same template parts as the page.

The PDF is made from our own HTML and stylesheets only: the fetcher refuses every
URL, so nothing a policy's text contains can make the server load anything. Every
PDF is tagged PDF/UA-1 (structure, language and title for screen readers).

A PDF prints its status and the day it was checked, so a kept copy is only as good
as its key: the version, the kind of copy and everything its status wording depends
on (``PublicStatus.key``, which includes the day). Once a policy is suspended,
withdrawn, superseded or overdue, or a new day starts, the key differs and a fresh
PDF is made; nothing older is served.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

CSS_DIR = Path(__file__).resolve().parent.parent / "static" / "css"
STYLESHEETS = {"document": ("pdf.css",), "large-print": ("pdf.css", "pdf-large-print.css"), "poster": ("poster.css",)}
_KEPT = 64
_kept: OrderedDict[tuple, bytes] = OrderedDict()
_lock = threading.Lock()


@lru_cache(maxsize=8)
def _stylesheet(name: str):
    from weasyprint import CSS
    from weasyprint.urls import URLFetcher

    return CSS(string=(CSS_DIR / name).read_text(encoding="utf-8"), url_fetcher=URLFetcher(allowed_protocols=()))


def render(html: str, kind: str = "document") -> bytes:
    """The tagged PDF (PDF/UA-1) of a complete HTML document, with the stylesheets of its ``kind``."""
    from weasyprint import HTML  # imported on the first PDF: it holds ~30 MB a worker need not carry before
    from weasyprint.urls import URLFetcher

    return HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=())).write_pdf(
        stylesheets=[_stylesheet(name) for name in STYLESHEETS[kind]], pdf_variant="pdf/ua-1")


def cached(key: tuple, kind: str, html: Callable[[], str]) -> bytes:
    """``render(html(), kind)``, kept under ``key`` (see the module's docstring for what it must hold)."""
    key = (kind, *key)
    with _lock:
        if key in _kept:
            _kept.move_to_end(key)
            return _kept[key]
    made = render(html(), kind)
    with _lock:
        _kept[key] = made
        while len(_kept) > _KEPT:
            _kept.popitem(last=False)
    return made
