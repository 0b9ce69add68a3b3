"""Demo data for trying policyflow: a department with staff, one person per role, and two policies."""
from __future__ import annotations

import os

from webapp.demo.policies import add_demo_policies
from workflows.errors import InvalidInput

DEMO_PASSWORD = "policyflow-demo"  # demo only; override with POLICYFLOW_DEMO_PASSWORD
DEMO_DEPARTMENT = "Imaging – Ultrasound"
# Reserved for examples (RFC 2606): the demo's mail waits in the outbox like real mail, and never reaches anyone.
DEMO_MAIL_DOMAIN = "example.org"
DEMO_PEOPLE = [
    ("manager", ["manager"], DEMO_DEPARTMENT),
    ("sonographer1", ["staff"], DEMO_DEPARTMENT),
    ("sonographer2", ["staff"], DEMO_DEPARTMENT),
    ("radiographer1", ["staff"], DEMO_DEPARTMENT),
    ("liaison", ["patient_liaison"], None),
    ("employer", ["employer"], None),
    ("insurer", ["insurer"], None),
    ("equality", ["equality_lead"], None),
    ("governance", ["information_governance"], None),
    ("committee", ["committee"], None),
    ("designer", ["process_designer"], None),
    ("admin", ["admin"], None),
]


def add_demo_data(services, password: str | None = None) -> list[str]:
    """Add the demo people and policies (skipping any that exist) and return lines to print."""
    password = password or os.environ.get("POLICYFLOW_DEMO_PASSWORD", DEMO_PASSWORD)
    lines = [f"Demo department: {DEMO_DEPARTMENT}", "Demo accounts (username / password / roles):"]
    for username, roles, department in DEMO_PEOPLE:
        try:
            services.accounts.add_user(username, password, roles, department=department,
                                       email=f"{username}@{DEMO_MAIL_DOMAIN}")
            lines.append(f"  {username:<14} {password}  {', '.join(roles)}")
        except InvalidInput:
            lines.append(f"  {username:<14} (already exists; password unchanged)  {', '.join(roles)}")
    return lines + add_demo_policies(services, DEMO_DEPARTMENT)
