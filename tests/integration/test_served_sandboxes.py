"""Each gunicorn worker keeps its own few sandbox processes, and no more.

The server's master builds the app once before forking its workers; a worker must
count only the sandbox processes it started itself, so the one it warms up at start
is the one its first steps use, not one dropped (and left as a zombie) for a new one.
"""
from __future__ import annotations

import http.client
import json
from pathlib import Path

from tests.answers import answers_for
from tests.conftest import add_people, make_services
from tests.lifecycle import forms_by_element, policy_row
from tests.served import ServedApp


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _is_sandbox(pid: int) -> bool:
    try:
        return b"workflows.sandbox" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def test_one_after_another_steps_use_the_sandbox_each_worker_warmed(sqlite_url, clock, tmp_path):
    services = make_services(sqlite_url, clock)
    server = None
    try:
        people = add_people(services)
        policy_ids = [services.commands.start(people["mary"], f"Policy {n}", "Ultrasound") for n in range(6)]
        forms = forms_by_element(services.processes.bundle(policy_row(services, policy_ids[0]).process_version_id))
        token = services.accounts.create_token("mary")
        server = ServedApp(sqlite_url, tmp_path).start()
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        for _ in policy_ids:  # one at a time: no step ever waits for another
            connection.request("GET", "/api/v1/tasks?limit=1", headers=headers)
            task = json.loads(connection.getresponse().read())[0]
            connection.request("POST", f"/api/v1/tasks/{task['id']}/complete", headers=headers,
                               body=json.dumps({"data": answers_for(forms[task["name"]])}))
            response = connection.getresponse()
            assert response.status == 200, response.read()[:300]
            response.read()
        connection.close()

        workers = _children(server.process.pid)
        assert len(workers) == 2
        # Exactly the warmed sandbox, used by every step: none started in vain and left behind.
        assert [[_is_sandbox(child) for child in _children(worker)] for worker in workers] == [[True], [True]]
    finally:
        if server is not None:
            server.stop()
        services.database.dispose()
