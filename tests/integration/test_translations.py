"""Translations: a department's manager adds one through the API against the current published
version; the public reads it with its language set, the same document control and status notices;
after republication it is marked as translating an earlier version, linking to the English one."""
from __future__ import annotations

from html.parser import HTMLParser

from tests.html import links, visible_text
from tests.lifecycle import republish_unchanged, to_published

WELSH = {"summary": "Gallwch dynnu llun o'r ddelwedd ar y sgrin ar ddiwedd eich sgan.",
         "how_to_ask": "Gofynnwch i'r sonograffydd ar ddechrau eich sgan."}


def bearer(tokens, who):
    return {"Authorization": f"Bearer {tokens[who]}"}


def text(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True), " ".join(visible_text(response.get_data(as_text=True)).split())


def test_a_manager_adds_a_welsh_translation_the_public_reads(client, services, people, tokens, clock):
    policy_id = to_published(services, people)
    added = client.post(f"/api/v1/policies/{policy_id}/translations",
                        json={"language": "cy", "sections": WELSH}, headers=bearer(tokens, "mary"))
    assert added.status_code == 201 and added.get_json() == {"language": "cy", "version": 1, "current": True}
    assert added.headers["Location"].endswith(f"/published/{policy_id}/cy")
    listed = client.get(f"/api/v1/policies/{policy_id}/translations", headers=bearer(tokens, "mary"))
    assert listed.get_json() == [{"language": "cy", "version": 1, "current": True}]

    html, page = text(client, f"/published/{policy_id}/cy")
    assert '<html lang="cy">' in html and '<h2 id="section-summary" lang="en-GB">Summary</h2>' in html
    assert "Translation of version 1 of this policy." in page and WELSH["summary"] in page
    assert "Document control" in page and "Status: In force from" in page and "Other formats and languages" in page

    client.post(f"/api/v1/policies/{policy_id}/suspend", json={"reason": "Checking."}, headers=bearer(tokens, "mary"))
    assert "This policy has been suspended since" in text(client, f"/published/{policy_id}/cy")[1]
    client.post(f"/api/v1/policies/{policy_id}/resume", json={}, headers=bearer(tokens, "mary"))

    services.commands.fire_due_timers(clock.advance(days=400))
    republish_unchanged(services, people)
    html, page = text(client, f"/published/{policy_id}/cy")
    assert "Translation of an earlier version (version 1)." in page
    assert f'<a href="/published/{policy_id}">read the English current version (version 1.1)</a>' in html
    fresh = {"sam": services.accounts.create_token("sam")}  # the first tokens expired in the meantime
    listed = client.get(f"/api/v1/policies/{policy_id}/translations", headers=bearer(fresh, "sam"))
    assert listed.get_json() == [{"language": "cy", "version": 1, "current": False}]


def test_refusals_say_why(client, services, people, tokens):
    policy_id = to_published(services, people)
    url = f"/api/v1/policies/{policy_id}/translations"
    assert client.post(url, json={"language": "cy", "sections": WELSH}, headers=bearer(tokens, "sam")).status_code == 403
    assert client.post(url, json={"language": "cy", "sections": WELSH}, headers=bearer(tokens, "olga")).status_code == 404
    bad = client.post(url, json={"language": "english", "sections": {"nonsense": "x", "summary": " "}},
                      headers=bearer(tokens, "mary"))
    assert bad.status_code == 422
    fields = {e["field"] for e in bad.get_json()["errors"]}
    assert fields == {"language", "sections.nonsense", "sections.summary"}
    assert client.get(f"/published/{policy_id}/pl").status_code == 404


class _Languages(HTMLParser):
    """Each piece of visible text of a page with the language it is marked in (``lang`` inherited)."""

    VOID = {"meta", "link", "input", "br", "img", "hr", "source", "wbr"}

    def __init__(self, html: str):
        super().__init__()
        self.pieces: list[tuple[str, str]] = []
        self._stack: list[tuple[str, str]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            lang = dict(attrs).get("lang") or (self._stack[-1][1] if self._stack else "")
            self._stack.append((tag, lang))

    def handle_endtag(self, tag):
        while self._stack:
            if self._stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if data.strip() and self._stack and self._stack[-1][0] not in ("script", "style"):
            self.pieces.append((" ".join(data.split()), self._stack[-1][1]))


def test_only_the_translated_text_is_marked_as_the_translation_s_language(client, services, people, tokens):
    """A screen reader reads the Welsh page's English navigation, title and footer with an English
    voice: everything but the translated sections is marked en-GB, not left to inherit ``cy``."""
    policy_id = to_published(services, people)
    client.post(f"/api/v1/policies/{policy_id}/translations",
                json={"language": "cy", "sections": WELSH}, headers=bearer(tokens, "mary"))
    html, _page = text(client, f"/published/{policy_id}/cy")
    pieces = _Languages(html).pieces
    welsh = [piece for piece, lang in pieces if lang == "cy"]
    assert welsh == list(WELSH.values()), welsh
    for english in ("Skip to main content", "Published policies", "Sign in", "Document control"):
        assert (english, "en-GB") in pieces, english
    assert any(piece.startswith("Recording during ultrasound") and lang == "en-GB" for piece, lang in pieces)


def test_a_partial_translation_says_which_sections_are_only_in_english(client, services, people, tokens):
    """A Welsh reader given two sections is not left to think that is the whole policy: every other
    section keeps its heading with a link to it in the English version."""
    policy_id = to_published(services, people)
    client.post(f"/api/v1/policies/{policy_id}/translations",
                json={"language": "cy", "sections": WELSH}, headers=bearer(tokens, "mary"))
    html, page = text(client, f"/published/{policy_id}/cy")
    assert "Gofynnwch i'r sonograffydd" in page
    assert ("What you may and may not do Not translated: read this section in English "
            "(What you may and may not do).") in page
    assert ((f"/published/{policy_id}#section-may_and_may_not",
             "read this section in English (What you may and may not do)") in links(html))
    assert "Summary Not translated" not in page
