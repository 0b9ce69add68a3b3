"""A user task's instructions, rendered from the diagram's Jinja template as plain text.

The template is untrusted diagram code: it is rendered in Jinja's sandbox, and
the page escapes the result.
"""
from __future__ import annotations

from jinja2 import TemplateError
from jinja2.sandbox import SandboxedEnvironment

_INSTRUCTIONS = SandboxedEnvironment(autoescape=False)


def render_instructions(template: str, data: dict) -> str:
    """Render a diagram's instructions as plain text in a sandbox (the page escapes it)."""
    try:
        return _INSTRUCTIONS.from_string(template).render(**data)
    except (TemplateError, TypeError, ValueError) as error:
        return f"{template}\n\n(The instructions could not be filled in: {error})"
