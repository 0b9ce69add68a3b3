"""Running policyflow for real: what operators and the serving processes need around the domain.

``timer_claims`` lets one process at a time fire a policy's due timers (a lease
taken by a conditional update) and ``background`` fires them every few seconds in
a thread of each serving process; ``readiness`` checks database, schema and
sandbox; ``backup`` copies and restores the database (SQLite's online backup,
pg_dump / pg_restore); ``idempotency`` keeps the first answer to an API call made
with an ``Idempotency-Key``. It uses the storage layer and the sandbox (the policy
commands are handed in); it never imports Flask.
"""
