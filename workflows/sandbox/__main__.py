"""``python -m workflows.sandbox SOCKET_FD LABEL_FD LIMITS``: a sandbox worker (started by the pool)."""
from workflows.sandbox.worker import main

main()
