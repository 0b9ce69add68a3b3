"""Pages for people at work: the inbox, the dashboard, policies and their actions,
task forms, incidents and personal settings. Each calls the services in ``workflows``,
as the API does; none calls the API."""
