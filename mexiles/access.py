"""Who may use which route, declared on every view (CTFd-style decorators).

Every view carries an ``access`` attribute: ``PUBLIC``, ``SIGNED_IN`` or the set of roles that may
use it. ``check_declared`` refuses to start an app with an undeclared view, so a route added later
cannot be forgotten; tests/test_access.py walks the URL map against these declarations.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, Protocol, cast

from flask import Flask, abort
from flask_login import current_user

from .extensions import login_manager

PUBLIC = "public"
SIGNED_IN = "signed-in"


class Role:
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    COUNSELOR = "counselor"
    SPEAKER = "speaker"
    DONOR = "donor"
    ALL = (ADMIN, COORDINATOR, COUNSELOR, SPEAKER, DONOR)
    STAFF = (ADMIN, COORDINATOR)


class View(Protocol):
    """A view function that says who may use it (the app refuses to start with one that does not)."""

    access: str | frozenset[str]

    def __call__(self, *args: Any, **kwargs: Any) -> Any: ...


def _declare(view: Callable, access: str | frozenset[str]) -> View:
    declared = cast(View, view)
    declared.access = access
    return declared


def public(view: Callable) -> View:
    return _declare(view, PUBLIC)


def signed_in(view: Callable) -> View:
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return view(*args, **kwargs)

    return _declare(wrapper, SIGNED_IN)


def roles_required(*roles: str) -> Callable:
    unknown = set(roles) - set(Role.ALL)
    if unknown or not roles:
        raise ValueError(f"unknown roles: {unknown or 'none given'}")

    def decorator(view: Callable) -> View:
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.has_any_role(roles):
                abort(403)
            return view(*args, **kwargs)

        return _declare(wrapper, frozenset(roles))

    return decorator


# --- Named rules (FlaskBB-style): each "who may" written once, for views and services alike -----


def is_staff(user) -> bool:
    """The organisation's staff, coordinators and admins: they keep every domain's records."""
    return user.has_any_role(Role.STAFF)


staff_only = roles_required(*Role.STAFF)  # the route form of is_staff


def check_declared(app: Flask) -> None:
    undeclared = sorted(
        endpoint
        for endpoint, view in app.view_functions.items()
        if endpoint != "static" and not hasattr(view, "access")
    )
    if undeclared:
        raise RuntimeError(f"views without an access declaration: {', '.join(undeclared)}")
