"""Administration in the browser (role ``admin``): people, departments, API tokens and the mail outbox.

Plain HTML forms that work without JavaScript; each view calls the services in
workflows (accounts, administration, the outbox), as the command line does.

May use: the services (through ``webapp.context``), ``signin`` and ``plumbing``;
never another page package or the API.
"""
from webapp.admin import departments, home, invitations, outbox, users  # noqa: F401  (each registers its routes on bp)
from webapp.admin.blueprint import bp

__all__ = ["bp"]
