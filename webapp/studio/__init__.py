"""The designer studio's pages (role ``process_designer``): processes and versions, drafts edited
in the browser, checks and the dry run, the form editor, comparing versions, moving policies,
importing diagrams from other modelers. Every page calls ``services().studio``, as the API does.

May use: the services (through ``webapp.context``), ``signin`` and ``plumbing``;
never another page package or the API.
"""
from webapp.studio import draft_pages, form_editor, imports, migrations, version_pages  # noqa: F401  (register routes)
from webapp.studio.blueprint import bp

__all__ = ["bp"]
