"""Pages for the public, without signing in: the published policies, as HTML and PDF.

May use: the services (through ``webapp.context``), ``signin`` and ``plumbing``;
never another page package or the API.
"""
