"""Pages for the public, without signing in: the published policies as pages and PDFs
(standard and large print), their notices and poster, and their translations.

May use: the services (through ``webapp.context``), ``signin`` and ``plumbing``;
never another page package or the API.
"""
from webapp.public import copies, notices, pages, translated  # noqa: F401  (each registers its routes on bp)
from webapp.public.blueprint import bp

__all__ = ["bp"]
