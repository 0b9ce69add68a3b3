"""Translations: a department's manager adds one through the API against the current published
version; the public reads it with its language set, the same document control and status notices;
after republication it is marked as translating an earlier version, linking to the English one."""
from __future__ import annotations

from tests.html import visible_text
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
