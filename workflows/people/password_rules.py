"""What a password a person chooses must be, as the NCSC advises: long enough, and not common
or guessable; no composition rules (no "one digit, one capital"), which only make passwords
harder to remember and no harder to guess.

Guessability is zxcvbn's estimate, which knows common passwords, words, names, keyboard
patterns, dates and substitutions, and is told the person's username and e-mail address so
that "mary-smith-2024" is weak for Mary Smith.
"""
from __future__ import annotations

import re

from zxcvbn import zxcvbn

from workflows.errors import FieldError, InvalidInput

MIN_LENGTH = 10
MAX_LENGTH = 200
#: zxcvbn's score 3 means about 10^8 guesses or more: safe against online guessing, which
#: sign-in throttling slows further.
MIN_SCORE = 3
#: zxcvbn refuses longer input; the rest of a long password only adds to it.
_ESTIMATED_LENGTH = 72


def context_words(username: str, email: str | None = None, name: str | None = None) -> list[str]:
    """What a password must not be built from: the username, the person's name and address."""
    words = []
    for given in (username, email.split("@", 1)[0] if email else None, name):
        if given:
            parts = re.split(r"[\W_]+", given)
            words += [given, "".join(parts), *parts]
    return [word for word in dict.fromkeys(w.strip().lower() for w in words) if len(word) >= 2]


def problem(password: str, context: list[str]) -> str | None:
    """Why ``password`` will not do, in words for the person choosing it; None if it will."""
    if len(password) < MIN_LENGTH:
        return f"Choose a password of at least {MIN_LENGTH} characters; a few unrelated words are easy to remember."
    if len(password) > MAX_LENGTH:
        return f"Choose a password of at most {MAX_LENGTH} characters."
    estimate = zxcvbn(password[:_ESTIMATED_LENGTH], user_inputs=context)
    if estimate["score"] >= MIN_SCORE:
        return None
    feedback = estimate["feedback"]
    reasons = " ".join(part for part in (feedback.get("warning"), *feedback.get("suggestions", [])) if part)
    return ("This password would be easy to guess" + (f": {reasons}" if reasons else ".") +
            " Three or four unrelated words make a strong one; symbols and capitals are not needed.")


def check(password: str, context: list[str], field: str = "password") -> None:
    """Raise ``InvalidInput`` on ``field`` when ``password`` will not do (see ``problem``)."""
    found = problem(password or "", context)
    if found:
        raise InvalidInput([FieldError(field, found)])
