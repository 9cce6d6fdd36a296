"""Helpers for the staff journeys: the `kindred` CLI against the live server's database,
people made quickly over HTTP (httpx, not the browser), extra signed-in browser contexts.

The journeys drive the browser for what they are about; whatever only sets the scene
(accounts, a condition on a profile, research consent for a dozen patients) goes over plain
HTTP through the same forms, which is an order of magnitude faster.
"""

from __future__ import annotations

import os
import re
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from typing import Any

import httpx
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import (
    DEFAULT_TIMEOUT_MS,
    REPO_ROOT,
    SECRET_KEY,
    LiveServer,
    _is_noise,
    _kindred,
)
from tests.helpers import STRONG_PASSWORD

PASSWORD = STRONG_PASSWORD


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


# ---- the CLI against the live database -------------------------------------------------------


def kindred_env(server: LiveServer) -> dict[str, str]:
    """The environment the live server runs with (see conftest.live_server)."""
    env = {
        **os.environ,
        "KINDRED_DATABASE_URL": server.database_url,
        "KINDRED_VAR_DIR": str(server.var_dir),
        "KINDRED_SECRET_KEY": SECRET_KEY,
        "KINDRED_ENV": "development",
        "KINDRED_BASE_URL": server.url,
    }
    env.pop("KINDRED_REDIS_URL", None)
    return env


def kindred_cli(server: LiveServer, *args: str) -> str:
    """Run `kindred ARGS` against the live server's database; its output, or a clear failure."""
    result = subprocess.run(_kindred(*args), env=kindred_env(server), cwd=REPO_ROOT,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, (
        f"kindred {' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def create_admin(server: LiveServer, username: str | None = None) -> str:
    """An administrator made with `kindred create-admin`; returns the username."""
    username = username or unique("admin")
    out = kindred_cli(server, "create-admin", "--username", username,
                      "--email", f"{username}@example.org", "--password", PASSWORD)
    assert f"administrator {username} created" in out, out
    return username


# ---- people over HTTP ------------------------------------------------------------------------


class _FormParser(HTMLParser):
    """The fields of one form (by its action) as a browser would submit them untouched."""

    def __init__(self, action: str) -> None:
        super().__init__(convert_charrefs=True)
        self.action = action
        self.inside = False
        self.fields: dict[str, str] = {}
        self._select: str | None = None
        self._first_option: str | None = None
        self._selected = False
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = a.get("action") == self.action
            return
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields[name] = a.get("value", "on")
            elif kind not in ("submit", "button"):
                self.fields[name] = a.get("value", "")
        elif tag == "select" and name:
            self._select, self._first_option, self._selected = name, None, False
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if self._first_option is None:
                self._first_option = value
                self.fields[self._select] = value
            if "selected" in a and not self._selected:
                self.fields[self._select], self._selected = value, True
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields[name] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.fields[self._textarea] += data.lstrip("\n") if not self.fields[
                self._textarea] else data


def form_fields(html: str, action: str) -> dict[str, str]:
    parser = _FormParser(action)
    parser.feed(html)
    return parser.fields


class HttpPerson:
    """Someone using the site over HTTP with their own cookies and the CSRF token."""

    def __init__(self, server: LiveServer, username: str) -> None:
        self.server = server
        self.username = username
        self.client = httpx.Client(base_url=server.url, follow_redirects=False, timeout=30)

    def close(self) -> None:
        self.client.close()

    def get(self, path: str) -> httpx.Response:
        response = self.client.get(path)
        assert response.status_code == 200, (path, response.status_code, response.text[:500])
        return response

    def post(self, path: str, data: dict[str, Any], *, expect_status: int = 303) -> httpx.Response:
        if not self.client.cookies.get("csrftoken"):
            self.client.get("/")
        payload = {**data, "_csrf_token": self.client.cookies.get("csrftoken") or ""}
        response = self.client.post(path, data=payload)
        assert response.status_code == expect_status, (
            path, response.status_code, response.text[:800])
        return response

    def register(self) -> HttpPerson:
        self.post("/register", {"username": self.username,
                                "email": f"{self.username}@example.org", "password": PASSWORD})
        return self

    def login(self) -> HttpPerson:
        response = self.post("/login", {"identifier": self.username, "password": PASSWORD})
        assert "session" in " ".join(response.headers.get_list("set-cookie")).lower() or \
            response.headers.get("location"), response.headers
        return self

    def join(self, slug: str) -> None:
        self.post(f"/communities/{slug}/join", {})

    def list_condition(self, slug: str) -> None:
        """Tick "I live with ..." for the community `slug` (joined first) on the profile."""
        page = self.get("/account/profile").text
        community_id = _community_id_on_profile(page, slug, self)
        fields = form_fields(page, "/account/profile")
        fields[f"condition_{community_id}"] = "on"
        self.post("/account/profile", fields)

    def consent_to_research(self) -> None:
        fields = form_fields(self.get("/account/privacy").text, "/account/privacy/consent")
        assert fields.get("version"), "no consent form on /account/privacy"
        self.post("/account/privacy/consent", {"version": fields["version"]})


def _community_id_on_profile(profile_html: str, slug: str, person: HttpPerson) -> str:
    ids = re.findall(r'name="condition_(\d+)"', profile_html)
    assert ids, "the profile lists no condition: join the community first"
    if len(ids) == 1:
        return ids[0]
    name = re.search(r"<h1[^>]*>(.*?)</h1>", person.get(f"/communities/{slug}").text, re.S)
    assert name, slug
    wanted = re.sub(r"<[^>]+>|\s+", " ", name.group(1)).strip()
    for community_id in ids:
        label = re.search(rf'<label for="condition_{community_id}">(.*?)</label>', profile_html,
                          re.S)
        if label and wanted in label.group(1).replace("&#39;", "'"):
            return community_id
    raise AssertionError(f"no condition for {slug} on the profile")


def apply_as_clinician(server: LiveServer, username: str, real_name: str,
                       disclosures: str = "None") -> None:
    """`username` (registered) applies as a clinician over HTTP."""
    person = HttpPerson(server, username).login()
    try:
        person.post("/clinicians/apply", {
            "real_name": real_name, "profession": "Physician", "specialty": "Endocrinology",
            "licence_number": "GMC 7654321", "jurisdiction": "General Medical Council, UK",
            "disclosures": disclosures})
    finally:
        person.close()


def apply_for_research(server: LiveServer, username: str, project_title: str,
                       tables: tuple[str, ...] = ("patients",)) -> None:
    """`username` (registered) applies for a research project over HTTP."""
    person = HttpPerson(server, username).login()
    try:
        dua = form_fields(person.get("/research/apply").text, "/research/apply")["dua_version"]
        person.post("/research/apply", {
            "full_name": "Dr Rosalind Example", "institution": "Example University",
            "project_title": project_title,
            "purpose": "How people with type 2 diabetes report their treatments.",
            "ethics_reference": "REC 24/EX/0001", "tables": list(tables),
            "dua_version": dua, "accept_dua": "1"})
    finally:
        person.close()


def consenting_patient(server: LiveServer, community: str, prefix: str = "patient") -> str:
    """A patient who joined `community`, lists its condition and consents to research."""
    person = HttpPerson(server, unique(prefix)).register().login()
    try:
        person.join(community)
        person.list_condition(community)
        person.consent_to_research()
    finally:
        person.close()
    return person.username


def register_person(server: LiveServer, prefix: str = "member") -> str:
    """A new patient account (registered over HTTP); returns the username."""
    person = HttpPerson(server, unique(prefix))
    try:
        person.register()
    finally:
        person.close()
    return person.username


# ---- browser contexts ------------------------------------------------------------------------


@contextmanager
def browser_page(browser: Browser, server: LiveServer, problems: list[str]) -> Iterator[Page]:
    """Another browser (its own cookies), watched like the `page` fixture: console errors and
    uncaught exceptions go to `problems` (the test's `browser_problems`)."""
    context = browser.new_context(base_url=server.url, locale="en-GB")
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    context.set_default_navigation_timeout(DEFAULT_TIMEOUT_MS)
    page = context.new_page()

    def on_console(message: Any) -> None:
        if message.type == "error" and not _is_noise(message):
            problems.append(f"console error on {page.url}: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"uncaught exception on {page.url}: "
                                                       f"{error}"))
    try:
        yield page
    finally:
        context.close()


def sign_in(page: Page, username: str) -> None:
    """Sign in through the form; lands on the home page signed in."""
    page.goto("/login")
    page.get_by_label("Username or e-mail").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("navigation", name="Main").get_by_role(
        "link", name=username)).to_be_visible()


def join_community(page: Page, slug: str) -> None:
    """Join `slug` through its page (no-op when already a member)."""
    page.goto(f"/communities/{slug}")
    join = page.get_by_role("main").get_by_role("button", name=re.compile(r"^Join"))
    if join.count():
        join.first.click()
        expect(page.get_by_role("main").get_by_role(
            "button", name=re.compile(r"^Leave"))).to_be_visible()


def grant_role(admin_page: Page, username: str, role: str) -> None:
    """The admin makes `username` a `role` (moderator or admin) on /admin/users."""
    admin_page.goto(f"/admin/users?q={username}")
    row = admin_page.get_by_role("row").filter(has_text=username)
    row.get_by_role("button", name=f"Make {role}").click()
    expect(admin_page).to_have_url(re.compile(r"/admin/users$"))
    admin_page.goto(f"/admin/users?q={username}")
    expect(admin_page.get_by_role("row").filter(has_text=username).get_by_role(
        "button", name=f"Remove {role}")).to_be_visible()
