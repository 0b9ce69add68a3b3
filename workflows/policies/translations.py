"""Translations of the public document (in Wales a bilingual version is a legal duty).

A department's manager gives the text of each section in another language; it is
stored against the policy's current published version. When the policy is
republished the translation stays readable, marked as translating an earlier
version, until a new one is given. Headings, document control and status notices
stay in English, marked as such, so nothing the policy's status says is ever
translated out of date.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select

from workflows.errors import FieldError, Forbidden, InvalidInput, NotFound
from workflows.people.accounts import Actor
from workflows.policies import publication
from workflows.policies.commands import manages, may_see
from workflows.policies.documents import SECTIONS
from workflows.storage import audit
from workflows.storage.database import Database
from workflows.storage.schema import Policy, PolicyTranslation

#: A BCP 47 language tag as people write them: "cy", "pl", "pa-Guru", "zh-Hant" (English is the original).
LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8}){0,2}$")
MAX_SECTION = 20_000
SECTION_IDS = tuple(section_id for section_id, _heading, _intro in SECTIONS)


@dataclass(frozen=True)
class TranslationView:
    language: str
    version: int
    current: bool   # it translates the latest published version
    sections: dict

    def as_dict(self) -> dict:
        return {"language": self.language, "version": self.version, "current": self.current}


def _checked(body: dict, published_sections: set[str]) -> tuple[str, dict]:
    problems = []
    language = body.get("language")
    if not isinstance(language, str) or not LANGUAGE.match(language):
        problems.append(FieldError("language", "Give the language as a code such as cy (Welsh) or pl (Polish)."))
    elif language.split("-")[0] == "en":
        problems.append(FieldError("language", "The policy is written in English; give another language."))
    sections = body.get("sections")
    if not isinstance(sections, dict) or not sections:
        problems.append(FieldError("sections", "Give the translated text of at least one section."))
        sections = {}
    for key, text in sections.items():
        if key not in published_sections:
            problems.append(FieldError(f"sections.{key}", f"{key} is not a section of the published policy "
                                       f"(its sections: {', '.join(s for s in SECTION_IDS if s in published_sections)})."))
        elif not isinstance(text, str) or not text.strip():
            problems.append(FieldError(f"sections.{key}", "Give the translated text of this section."))
        elif len(text) > MAX_SECTION:
            problems.append(FieldError(f"sections.{key}", f"At most {MAX_SECTION} characters."))
    if problems:
        raise InvalidInput(problems)
    return language, {key: text.strip() for key, text in sections.items()}


class Translations:
    def __init__(self, database: Database, clock):
        self._db, self._clock = database, clock

    def _policy(self, session, actor: Actor, policy_id: int) -> Policy:
        policy = session.get(Policy, policy_id)
        if policy is None or not may_see(actor, policy):
            raise NotFound(f"Policy {policy_id} does not exist.")
        return policy

    def add(self, actor: Actor, policy_id: int, body: dict) -> TranslationView:
        """Store (or replace) the translation into ``body["language"]`` of the current published version."""
        with self._db.transaction() as session:
            policy = self._policy(session, actor, policy_id)
            if not manages(actor, policy):
                raise Forbidden(f"Only a manager of {policy.department.name} can add a translation.")
            version, _numbers = publication.published(session, policy_id)
            language, sections = _checked(body, {s["id"] for s in version.content.get("sections", [])})
            now = self._clock()
            row = session.scalar(select(PolicyTranslation).where(PolicyTranslation.policy_id == policy_id,
                                                                 PolicyTranslation.language == language))
            if row is None:
                row = PolicyTranslation(policy_id=policy_id, language=language)
                session.add(row)
            row.version_number, row.sections, row.created_by, row.created_at = (
                version.number, sections, actor.username, now)
            audit.record(session, at=now, actor=actor.username, action="translation_added", policy_id=policy_id,
                         data={"language": language, "version": version.number})
            return TranslationView(language, version.number, True, sections)

    def of_policy(self, actor: Actor, policy_id: int) -> list[TranslationView]:
        with self._db.reading() as session:
            self._policy(session, actor, policy_id)
            return list_translations(session, policy_id)


def list_translations(session, policy_id: int) -> list[TranslationView]:
    """Every translation of a published policy, by language (for the API and the public pages)."""
    rows = session.scalars(select(PolicyTranslation).where(PolicyTranslation.policy_id == policy_id)
                           .order_by(PolicyTranslation.language)).all()
    if not rows:
        return []
    latest = publication.latest_number(session, policy_id)
    return [TranslationView(r.language, r.version_number, r.version_number == latest, dict(r.sections)) for r in rows]


def public_translation(session, policy_id: int, language: str) -> TranslationView:
    """One translation, for the public page; ``NotFound`` when there is none."""
    found = [t for t in list_translations(session, policy_id) if t.language == language]
    if not found:
        raise NotFound(f"Policy {policy_id} has no translation into {language}.")
    return found[0]
