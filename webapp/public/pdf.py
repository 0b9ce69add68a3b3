"""Published policies as PDF documents, made with WeasyPrint from the same template parts as the page.

The PDF is made from our own HTML and stylesheet only: the fetcher refuses every
URL, so nothing a policy's text contains can make the server load anything.
Published versions never change, so each one's PDF is made once per process.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

STYLESHEET = Path(__file__).resolve().parent.parent / "static" / "css" / "pdf.css"
_KEPT = 64


@lru_cache(maxsize=1)
def _stylesheet():
    from weasyprint import CSS
    from weasyprint.urls import URLFetcher

    return CSS(string=STYLESHEET.read_text(encoding="utf-8"), url_fetcher=URLFetcher(allowed_protocols=()))


def render(html: str) -> bytes:
    """The PDF of a complete HTML document."""
    from weasyprint import HTML  # imported on the first PDF: it holds ~30 MB a worker need not carry before
    from weasyprint.urls import URLFetcher

    return HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=())).write_pdf(stylesheets=[_stylesheet()])


@lru_cache(maxsize=_KEPT)
def cached(version_id: int, html: str) -> bytes:
    """``render``, kept per published version (a version's document never changes)."""
    return render(html)
