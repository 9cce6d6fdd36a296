"""One error family: the forms' errors are one class wherever a service raises them, and each
domain error carries the status the edge answers with."""

from __future__ import annotations

from community.accounts import services as accounts
from community.communities import services as communities
from community.errors import Conflict, DomainError, FormErrors, NotAllowed, NotFound
from community.posting import PostingNotAllowed


def test_form_errors_are_one_class() -> None:
    assert accounts.FormErrors is communities.FormErrors is FormErrors
    error = FormErrors({"body": ["Write something."], "title": ["Too long."]})
    assert error.errors["body"] == ["Write something."] and error.status_code == 400


def test_each_domain_error_has_its_status() -> None:
    assert [e.status_code for e in (FormErrors({}), NotAllowed(), NotFound(), Conflict())] == [
        400, 403, 404, 409]
    assert issubclass(PostingNotAllowed, NotAllowed)
    assert all(issubclass(e, DomainError) for e in (communities.NotAllowed, FormErrors))
