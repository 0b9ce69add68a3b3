"""The test suite's OpenID provider: npm ``oidc-provider`` (``provider.mjs``) run by Node on a
free loopback port, with the accounts a test gives it (and changes while it runs)."""
from __future__ import annotations

import json
import subprocess
import time
import urllib.request
from pathlib import Path
from urllib.parse import urljoin

from tests.mail_server import free_port

SCRIPT = Path(__file__).resolve().parent / "provider.mjs"
ROOT = SCRIPT.parents[2]


class OpenIdProvider:
    """``redirect_uri`` is the app's callback; after signing out at the provider the browser goes
    back to the app's front page (the callback's site, ``/``)."""

    def __init__(self, folder: Path, redirect_uri: str, accounts: dict,
                 client_id: str = "policyflow", client_secret: str = "policyflow-test-secret"):
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.client_id, self.client_secret, self.redirect_uri = client_id, client_secret, redirect_uri
        self.post_logout_redirect_uri = urljoin(redirect_uri, "/")
        self.accounts_file = folder / "oidc-accounts.json"
        self.set_accounts(accounts)
        self.process: subprocess.Popen | None = None
        self.log = folder / "oidc-provider.log"

    def set_accounts(self, accounts: dict) -> None:
        """The accounts and their claims, from now on (the provider reads them at each request)."""
        draft = self.accounts_file.with_suffix(".draft")
        draft.write_text(json.dumps(accounts))
        draft.replace(self.accounts_file)

    def start(self) -> "OpenIdProvider":
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                ["node", str(SCRIPT), str(self.port), self.client_id, self.client_secret, self.redirect_uri,
                 str(self.accounts_file), self.post_logout_redirect_uri], cwd=ROOT, stdout=log,
                stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.issuer}/.well-known/openid-configuration", timeout=2) as answer:
                    if json.load(answer)["issuer"] == self.issuer:
                        return self
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"oidc-provider did not start: {self.log.read_text()}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
