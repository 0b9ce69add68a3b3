"""What operators rely on: health and readiness probes, metrics, the request log, the site
icon, retries when the database connection drops, ``Idempotency-Key`` replays, and the
background timers of each serving process.

May use: the services (through ``webapp.context``) and ``plumbing``; the page packages
and the API may use it (the API reads answers back through ``database_errors``).
"""
