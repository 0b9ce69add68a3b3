"""The JSON API (/api/v1): a contract for other tools, over the same services as the pages.

Callers authenticate with ``Authorization: Bearer TOKEN``; errors are always
``{"errors": [{"field": ..., "message": ...}]}``.

May use: the services (through ``webapp.context``), ``signin`` and ``plumbing``;
never a page package.
"""
from webapp.api import assignments, designer_routes, lifecycle, preferences, routes, translations  # noqa: F401  (each registers its routes on bp)
from webapp.api.blueprint import bp

__all__ = ["bp"]
