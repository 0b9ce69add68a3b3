"""One family of errors whose messages are written for the person who caused them.

The web layer turns each class into one HTTP status (see ``http_status``); nothing
else about an error needs translating at the edge.
"""
from __future__ import annotations

from dataclasses import dataclass


class PolicyflowError(Exception):
    """Base of every error a user may be shown. ``str(error)`` is the message."""

    http_status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotFound(PolicyflowError):
    http_status = 404


class Forbidden(PolicyflowError):
    http_status = 403


class Conflict(PolicyflowError):
    """The thing acted on changed since the actor saw it (stale or repeated submit)."""

    http_status = 409


@dataclass(frozen=True)
class FieldError:
    field: str | None
    message: str

    def as_dict(self) -> dict:
        return {"field": self.field, "message": self.message}


class InvalidInput(PolicyflowError):
    """Submitted data broke a rule; ``errors`` names each field that is wrong."""

    http_status = 422

    def __init__(self, errors: list[FieldError]):
        super().__init__("; ".join(f"{e.field}: {e.message}" if e.field else e.message for e in errors))
        self.errors = errors


@dataclass(frozen=True)
class DiagramProblem:
    """One problem found in an uploaded diagram, located as precisely as we can."""

    file: str
    line: int | None
    element: str | None
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line or 0}: {self.element or '-'}: {self.message}"


class DiagramError(PolicyflowError):
    """A diagram bundle cannot be deployed or run; carries every problem found."""

    http_status = 422

    def __init__(self, problems: list[DiagramProblem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems

    @classmethod
    def single(cls, file: str, message: str, line: int | None = None, element: str | None = None):
        return cls([DiagramProblem(file, line, element, message)])


class WorkflowFailure(PolicyflowError):
    """The engine could not advance a policy (a script or expression failed at run time).

    ``element`` is the id of the diagram element whose code failed, when the engine knows it:
    the studio's check marks that element, and so never has to find an id in the message.
    """

    http_status = 422

    def __init__(self, message: str, element: str | None = None):
        super().__init__(message)
        self.element = element
