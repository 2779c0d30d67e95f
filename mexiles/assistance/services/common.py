"""What every assistance service shares: the refusal, the audit subject, who may do what."""

from __future__ import annotations

from ...access import Role, is_staff
from ...people import services as people
from ...refusals import Refusal

SUBJECT = "assistance_request"


class AssistanceRefused(Refusal):
    """A rule said no; ``field`` names the form field at fault, when there is one."""

    def __init__(self, *messages: str, field: str | None = None):
        super().__init__(*messages)
        self.field = field


def may_ask_for(user, person) -> bool:
    """A coordinator on the person's case team, or an admin, asks for assistance for them."""
    return person is not None and is_staff(user) and people.may_see_full(user, person)


def may_decide(user) -> bool:
    """Admins decide and record payments (never of a request of their own: see ``requests.decide``)."""
    return bool(user.active and user.has_role(Role.ADMIN))
