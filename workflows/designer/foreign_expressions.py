"""Conditions and timers written for other engines, read as the Python our engine evaluates.

Camunda 7 (and Activiti, Flowable) write JUEL: ``${approved}``, ``${decision == 'yes'}``,
``#{amount > 100 && urgent}``; Camunda 8 writes FEEL: ``= approved``, ``= decision = "yes"``,
``= not(urgent)``. The simple ones, variables compared with constants and joined by
and/or/not, mean the same in Python, so the studio offers the translation for the
designer to confirm. Anything else (method calls, paths, FEEL functions) is listed with
its expression rather than guessed at.

Timers: our engine evaluates a timer's text as Python, so an ISO 8601 value is written
quoted (``"PT5M"``); an unquoted one, or a JUEL/FEEL variable, is translated the same way, and so
are FEEL's temporal literals (``= duration("PT2H")``, ``= date and time("…")``, ``= cycle(duration("P1D"))``),
which Camunda 8 writes for the same values.
"""
from __future__ import annotations

import re

_TOKEN = re.compile(r"""\s*(?:(?P<string>'[^'\\]*'|"[^"\\]*")|(?P<number>\d+(?:\.\d+)?)|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"""
                    r"""|(?P<op>==|!=|<=|>=|&&|\|\||[<>=!()]))""")
_JUEL_WORDS = {"and": "and", "or": "or", "not": "not", "eq": "==", "ne": "!=", "lt": "<", "gt": ">", "le": "<=",
               "ge": ">=", "true": "True", "false": "False", "null": "None"}
_JUEL_OPS = {"==": "==", "!=": "!=", "<": "<", ">": ">", "<=": "<=", ">=": ">=", "&&": "and", "||": "or",
             "!": "not", "(": "(", ")": ")"}
_FEEL_WORDS = {"and": "and", "or": "or", "not": "not", "true": "True", "false": "False", "null": "None"}
_FEEL_OPS = {"=": "==", "!=": "!=", "<": "<", ">": ">", "<=": "<=", ">=": ">=", "(": "(", ")": ")"}
_JUEL = re.compile(r"^\s*[$#]\{(?P<body>.*)\}\s*$", re.S)
_FEEL = re.compile(r"^\s*=(?P<body>.*)$", re.S)
_FEEL_TEMPORAL = re.compile(r'^(?:duration|date and time|date)\(\s*"(?P<value>[^"]*)"\s*\)$')
_FEEL_CYCLE = re.compile(r'^cycle\(\s*duration\(\s*"(?P<value>[^"]*)"\s*\)\s*\)$')
_ISO = re.compile(r"^(R\d*/)?(P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?"
                  r"|\d{4}-\d\d-\d\d(T[\d:.]+(Z|[+-]\d\d:?\d\d)?)?)$")


def language(expression: str) -> str | None:
    """'JUEL' or 'FEEL' when ``expression`` is written in another engine's language."""
    if _JUEL.match(expression or ""):
        return "JUEL"
    if _FEEL.match(expression or ""):
        return "FEEL"
    return None


def _tokens(body: str) -> list[tuple[str, str]] | None:
    tokens, at = [], 0
    while at < len(body.rstrip()):
        found = _TOKEN.match(body, at)
        if not found or found.end() == at:
            return None
        kind = found.lastgroup
        tokens.append((kind, found.group(kind)))
        at = found.end()
    return tokens


def _translated(tokens, words: dict, ops: dict) -> str | None:
    out = []
    for kind, text in tokens:
        if kind == "name":
            out.append(words.get(text, text))
        elif kind == "op":
            if text not in ops:
                return None
            out.append(ops[text])
        else:
            out.append(text)
    if not out:
        return None
    python = " ".join(out).replace("( ", "(").replace(" )", ")")
    try:
        compile(python, "<condition>", "eval")
    except SyntaxError:
        return None
    return python


def translate_condition(expression: str) -> str | None:
    """The Python for a simple JUEL or FEEL condition; None when it is not a simple one."""
    juel, feel = _JUEL.match(expression or ""), _FEEL.match(expression or "")
    if juel:
        tokens = _tokens(juel.group("body"))
        return _translated(tokens, _JUEL_WORDS, _JUEL_OPS) if tokens else None
    if feel:
        tokens = _tokens(feel.group("body"))
        return _translated(tokens, _FEEL_WORDS, _FEEL_OPS) if tokens else None
    return None


def translate_timer(text: str) -> str | None:
    """The Python for a timer our engine cannot read: a quoted ISO 8601 value, or a variable's name."""
    value = (text or "").strip()
    if _ISO.match(value):
        return f'"{value}"'
    inner = _JUEL.match(value) or _FEEL.match(value)
    if inner:
        body = inner.group("body").strip()
        if _ISO.match(body.strip("'\"")):
            return f'"{body.strip(chr(39) + chr(34))}"'
        if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", body):
            return body
        temporal, cycle = _FEEL_TEMPORAL.match(body), _FEEL_CYCLE.match(body)
        value = temporal.group("value") if temporal else f"R/{cycle.group('value')}" if cycle else ""
        if _ISO.match(value):
            return f'"{value}"'
    return None
