"""People and access: accounts, roles, departments, passwords, API tokens and sign-in limits.

May use: ``workflows.storage`` and ``workflows.errors``. The policy domain
builds on it (who may see or act on a policy); it never reaches back.
"""
