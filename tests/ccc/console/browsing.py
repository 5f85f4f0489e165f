"""A person at the console, as a browser would be: cookies, the CSRF token from the page."""

from __future__ import annotations

import re
from dataclasses import dataclass

import httpx
from fastapi.testclient import TestClient
from sqlmodel import select

from ccc.access.models import User
from ccc.console.auth import set_language, set_password
from tests.conftest import PUBLIC_URL, Harness

CSRF_FIELD = re.compile(r'name="csrf" value="([^"]+)"')


def console_user(
    ccc: Harness,
    name: str,
    role: str,
    teams: list[str] | None = None,
    *,
    password: str = "correct horse battery",
    language: str | None = None,
) -> str:
    """A user with a console password (what `ccc user add --password-stdin` does)."""
    ccc.user(name, role, teams)
    with ccc.session() as session:
        set_password(session, name=name, password=password)
        if language:
            user = session.exec(select(User).where(User.name == name)).one()
            set_language(session, user=user, language=language)
        session.commit()
    return password


@dataclass
class Browser:
    """One browser: its own cookie jar, over https like the deployment (Secure cookies)."""

    client: TestClient

    @classmethod
    def open(cls, ccc: Harness) -> Browser:
        client = TestClient(ccc.client.app, base_url=PUBLIC_URL, follow_redirects=True)
        return cls(client)

    def get(self, path: str, **kwargs: object) -> httpx.Response:
        return self.client.get(path, **kwargs)  # type: ignore[arg-type]

    def csrf(self, path: str = "/console") -> str:
        page = self.get(path)
        match = CSRF_FIELD.search(page.text)
        assert match, f"no CSRF field on {path}"
        return match.group(1)

    def post(
        self,
        path: str,
        data: dict[str, str],
        *,
        csrf_from: str | None = "/console",
        follow: bool = True,
    ) -> httpx.Response:
        """A form submission; `csrf_from=None` leaves the token out."""
        form = dict(data)
        if csrf_from is not None:
            form["csrf"] = self.csrf(csrf_from)
        return self.client.post(path, data=form, follow_redirects=follow)

    def log_in(self, name: str, password: str) -> httpx.Response:
        return self.post("/console/login", {"username": name, "password": password})
