"""Bad input: the JSON API under Schemathesis, and every state-changing HTML route under
oversized, invalid-UTF-8, enormous-number and deeply nested Markdown input. Never a 5xx."""

from __future__ import annotations

import concurrent.futures
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from litestar import Litestar
from litestar.routes import HTTPRoute

from community.accounts.models import Role
from community.app import seed_reference_data
from tests.helpers import Visitor
from tests.integration.test_api_research import CELLS, bearer, create_token
from tests.research_support import (
    DEMO,
    approved_researcher,
    demo_table,
    make_admin,
    seed_patients,
    settings,
    signed_in,
)
from tests.system.conftest import REPO_ROOT

__all__ = ["demo_table", "settings"]

import schemathesis

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
EXAMPLES_PER_OPERATION = 25
REQUEST_TIMEOUT = 20.0
TEMPLATE_DIRS = [REPO_ROOT / "templates", REPO_ROOT / "community", REPO_ROOT / "outcomes",
                 REPO_ROOT / "moderation"]


def _no_failures(failures: list[str]) -> None:
    """Report every failure at once."""
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures[:80])


# ---- (a) the JSON API under Schemathesis -----------------------------------------------------


@pytest.mark.long
def test_json_api_never_errors_and_keeps_its_schema(
    new_visitor: Callable[[], Visitor], demo_table: Any
) -> None:
    admin = make_admin(new_visitor)
    seed_patients(admin, CELLS)
    researcher, project_id = approved_researcher(new_visitor, admin, "dr_fuzz")
    token = create_token(researcher, project_id)
    client = researcher.client
    queued = client.post("/api/v1/research/exports", json={"tables": [DEMO]},
                         headers=bearer(token))
    assert queued.status_code == 202

    from schemathesis.specs.openapi.checks import positive_data_acceptance

    raw = client.get("/schema/openapi.json").json()
    schema = schemathesis.openapi.from_dict(raw)
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    operations = [op for op in operations if op.path.startswith("/api/")]
    assert any("/api/v1/research/exports" in op.path for op in operations)

    for operation, conformance in [(op, mode) for op in operations for mode in (False, True)]:
        # Two passes: 5xx alone (every example), then schema conformance (which stops at
        # an operation's first non-conforming answer).
        @given(case=operation.as_strategy())
        @hypothesis_settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None,
                             database=None, derandomize=True,
                             suppress_health_check=list(HealthCheck))
        def check(case: Any) -> None:
            kwargs = case.as_transport_kwargs(base_url="http://testserver.local")
            headers = {**(kwargs.get("headers") or {}), **bearer(token)}
            response = client.request(kwargs["method"], kwargs["url"], headers=headers,
                                      params=kwargs.get("params"), json=kwargs.get("json"),
                                      content=kwargs.get("content"),
                                      cookies=kwargs.get("cookies"), follow_redirects=False)
            label = f"{case.method} {case.formatted_path} {kwargs.get('params')} " \
                    f"{str(kwargs.get('json'))[:200]}"
            if response.status_code >= 500:
                failures.append(f"{label} -> {response.status_code}")
                return
            if not conformance:
                return
            try:
                # Not checked: "schema-valid request rejected" (positive_data_acceptance).
                # The schema does not say that `tables` needs at least one known table, so
                # {"tables": []} is schema-valid and rightly answered 400: a schema gap,
                # reported, not a server fault.
                case.validate_response(response, excluded_checks=[positive_data_acceptance])
            except Exception as exc:
                failures.append(f"{label} -> {response.status_code}: "
                                f"{str(exc).splitlines()[0][:300]}")

        try:
            check()
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt):
                raise
            lines = [line.strip(" |") for line in str(exc).splitlines() if line.strip(" |")]
            detail = " / ".join(lines[:12])
            failures.append(f"{operation.method.upper()} {operation.path}: {detail[:700]}")
    unique = sorted(set(failures))
    _no_failures(unique)
    assert not unique, f"{len(unique)} API failures:\n" + "\n".join(unique[:60])


# ---- (b) every state-changing HTML route --------------------------------------------------


def _template_fields() -> tuple[list[str], list[str]]:
    names: set[str] = set()
    texts: set[str] = set()
    for folder in TEMPLATE_DIRS:
        for path in folder.rglob("*.html"):
            source = path.read_text(errors="replace")
            names.update(re.findall(r'\bname="([A-Za-z_][A-Za-z_0-9]*)"', source))
            texts.update(re.findall(r'<textarea[^>]*\bname="([A-Za-z_][A-Za-z_0-9]*)"', source))
    names.discard("_csrf_token")
    texts |= {"title", "body", "tip", "bio", "message", "text", "about"}
    return sorted(names), sorted(texts)


def _routes(app: Litestar) -> list[tuple[str, str]]:
    found = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or route.path.startswith("/api/"):
            continue
        for method in sorted(set(route.methods) & UNSAFE):
            found.append((method, route.path))
    return found


def _fill(path: str, number: str = "1") -> str:
    path = re.sub(r"\{[^}:]+:int\}", number, path)
    return re.sub(r"\{[^}]+\}", "lupus", path)


def _encode(fields: dict[str, str], token: str) -> bytes:
    parts = [f"_csrf_token={quote(token)}"]
    parts += [f"{quote(k)}={quote(v)}" for k, v in fields.items()]
    return "&".join(parts).encode()


FORM = {"content-type": "application/x-www-form-urlencoded"}
INVALID_UTF8 = "%FF%FE%C3%28%ED%A0%80"  # not UTF-8 once decoded: lone bytes, a surrogate
NUMBERS = ["9" * 400, "-1e309", "NaN"]
MARKDOWN = ["> " * 5000 + "x", "[" * 10000]


class Prober:
    """An admin with a valid CSRF token; comes back (as a new admin) when a route signs out
    or deletes the one it was."""

    def __init__(self, new_visitor: Callable[[], Visitor]) -> None:
        self.new_visitor = new_visitor
        self.count = 0
        self.visitor = self._admin()
        self.pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)

    def _admin(self) -> Visitor:
        self.count += 1
        return signed_in(self.new_visitor, f"probe_admin_{self.count}", Role.ADMIN)

    def ensure(self) -> None:
        if self.visitor.get("/account").status_code != 200:
            self.visitor = self._admin()

    def send(self, method: str, path: str, body: bytes) -> int | str:
        token = self.visitor.csrf()
        body = body.replace(b"__TOKEN__", quote(token).encode())
        self.visitor._use_jar()
        future = self.pool.submit(self.visitor.client.request, method, path, content=body,
                                  headers=FORM, follow_redirects=False)
        try:
            return future.result(timeout=REQUEST_TIMEOUT).status_code
        except concurrent.futures.TimeoutError:
            return f"no answer within {REQUEST_TIMEOUT:.0f}s"


def _seed(visitor: Visitor) -> None:
    async def work(runtime: Any) -> None:
        async with runtime.sessionmaker() as db, db.begin():
            await seed_reference_data(db)

    visitor.run(work)


@pytest.mark.long
def test_every_state_changing_route_survives_bad_input(
    app: Litestar, visitor: Visitor, new_visitor: Callable[[], Visitor]
) -> None:
    _seed(visitor)
    prober = Prober(new_visitor)
    # Objects with small ids, so that path parameters reach real handlers.
    author = prober.visitor
    assert author.post("/communities/lupus/join").status_code == 303
    started = author.post("/communities/lupus/threads",
                          {"title": "Sun and flares", "body": "What do you use?",
                           "audience": "public", "kind": "discussion"})
    assert started.status_code == 303, started.text
    course = author.post("/my/treatments/new", {
        "treatment": "Methotrexate", "purpose": "Rheumatoid arthritis",
        "started_on": "2026-01-10", "amount": "15", "unit": "mg", "frequency": "weekly"})
    assert course.status_code == 303, course.text

    fields, texts = _template_fields()
    routes = _routes(app)
    assert ("POST", "/login") in routes and len(routes) > 20
    failures: list[str] = []

    def expect(method: str, path: str, label: str, body: bytes,
               allowed: Callable[[int], bool], wanted: str) -> None:
        status = prober.send(method, path, body)
        if isinstance(status, str) or not allowed(status):
            failures.append(f"{method} {path} [{label}] -> {status} (wanted {wanted})")

    for method, template in routes:
        if template == "/logout":
            continue  # signs the prober out; probed last
        path = _fill(template)
        prober.ensure()
        big = b"_csrf_token=__TOKEN__&body=" + b"a" * (2 * 1024 * 1024)
        expect(method, path, "2 MB body", big, lambda s: s == 413, "413")
        prober.ensure()
        body = _encode({}, "").replace(b"_csrf_token=", b"_csrf_token=__TOKEN__")
        invalid = body + b"&" + b"&".join(f"{f}={INVALID_UTF8}".encode() for f in fields)
        expect(method, path, "invalid UTF-8", invalid, lambda s: s < 500, "no 5xx")
        for number in NUMBERS:
            prober.ensure()
            filled = _encode({f: number for f in fields}, "__TOKEN__")
            expect(method, path, f"number {number[:8]}", filled, lambda s: s < 500, "no 5xx")
            if ":int}" in template:
                prober.ensure()
                expect(method, _fill(template, quote(number)), f"path {number[:8]}",
                       _encode({}, "__TOKEN__"), lambda s: s < 500, "no 5xx")
        for markdown in MARKDOWN:
            prober.ensure()
            nested = _encode({f: markdown for f in texts}, "__TOKEN__")
            expect(method, path, f"markdown {markdown[:4]!r}", nested, lambda s: s < 500,
                   "no 5xx, no hang")
    prober.ensure()
    expect("POST", "/logout", "invalid UTF-8",
           b"_csrf_token=__TOKEN__&x=" + INVALID_UTF8.encode(), lambda s: s < 500, "no 5xx")
    prober.pool.shutdown(wait=False)
    _no_failures(failures)
    assert not failures, f"{len(failures)} bad-input failures:\n" + "\n".join(failures)
