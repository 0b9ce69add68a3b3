"""Pages for people at work: the inbox, the dashboard, policies and their actions,
task forms, incidents and personal settings. Each calls the services in ``workflows``,
as the API does; none calls the API.

May use: the services (through ``webapp.context``), ``signin`` and ``plumbing``;
never another page package or the API.
"""
