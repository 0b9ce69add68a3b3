"""The designer studio's pages (role ``process_designer``): processes and versions, drafts edited
in the browser, checks and the dry run, the form editor, comparing versions, moving policies,
importing diagrams from other modelers. Every page calls ``services().studio``, as the API does."""
from flask import Blueprint

bp = Blueprint("designer", __name__, url_prefix="/designer")

from . import draft_pages, form_editor, imports, migrations, version_pages  # noqa: E402,F401  (register routes)
