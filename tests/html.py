"""Reading pages as a person does: the visible text and the links, from the HTML."""
from __future__ import annotations

from html.parser import HTMLParser


class Page(HTMLParser):
    """The visible text (script bodies left out) and the links of a page."""

    def __init__(self, html: str):
        super().__init__()
        self.text: list[str] = []
        self.links: list[tuple[str | None, str]] = []
        self._href = None
        self._in_script = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self._in_script = tag == "script"
        if tag == "a":
            self._href = (dict(attrs).get("href"), [])

    def handle_endtag(self, tag):
        self._in_script = False
        if tag == "a" and self._href:
            self.links.append((self._href[0], " ".join("".join(self._href[1]).split())))
            self._href = None

    def handle_data(self, data):
        if self._in_script:
            return
        self.text.append(data)
        if self._href:
            self._href[1].append(data)


def visible_text(html: str) -> str:
    """What a reader sees, whitespace collapsed."""
    return " ".join("".join(Page(html).text).split())


def links(html: str) -> list[tuple[str | None, str]]:
    """(href, link text) of every link, in page order."""
    return Page(html).links
