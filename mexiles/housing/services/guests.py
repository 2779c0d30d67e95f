"""What a site's guests need of it: a change to the site that would strand a guest is refused."""

from __future__ import annotations

from types import SimpleNamespace

from flask_babel import gettext as _
from sqlalchemy import select

from ...extensions import db
from ...people import services as people
from ..models import HousingRequest, Placement, Site
from ..vocabulary import CURRENT
from . import occupancy
from .common import HousingRefused, day, may_act_for


def current_at(site_id: int) -> list[Placement]:
    return list(
        db.session.scalars(
            select(Placement)
            .where(Placement.site_id == site_id, Placement.status.in_(CURRENT))
            .order_by(Placement.start_on, Placement.id)
        )
    )


def check_site_change(site: Site, data: dict, changed: list[str], by) -> None:
    """Refuse a last offered day before a guest's end, restrictions a guest does not meet, or a
    rejection, while the site holds current or planned guests; the message lists who is affected."""
    watched = {"available_until", "available_from", "accepts", "vetting_status"}
    if not watched & set(changed):
        return
    held = current_at(site.id)
    if not held:
        return
    if "vetting_status" in changed and data["vetting_status"] == "rejected":
        raise HousingRefused(
            _(
                "%(site)s still holds guests: move them or end their stays before rejecting the site. %(guests)s",
                site=site.name,
                guests=_names(held, by),
            ),
            field="vetting_status",
        )
    until = data.get("available_until")
    if "available_until" in changed and until is not None:
        staying = [p for p in held if p.end_on is None or p.end_on > until]
        if staying:
            raise HousingRefused(
                _(
                    "These guests stay past %(date)s: change their end dates or move them first. %(guests)s",
                    date=day(until),
                    guests=_names(staying, by),
                ),
                field="available_until",
            )
    if "available_from" in changed:
        early = [p for p in held if p.status == "planned" and p.start_on < data["available_from"]]
        if early:
            raise HousingRefused(
                _(
                    "These guests are due before %(date)s: change or cancel their placements first. %(guests)s",
                    date=day(data["available_from"]),
                    guests=_names(early, by),
                ),
                field="available_from",
            )
    if "accepts" in changed:
        needs = dict(
            db.session.execute(
                select(HousingRequest.id, HousingRequest.needs).where(
                    HousingRequest.id.in_({p.request_id for p in held})
                )
            ).all()
        )
        stricter = SimpleNamespace(name=site.name, accepts=data["accepts"])
        turned_away = [
            p
            for p in held
            if occupancy.mismatches(stricter, p.beds, needs[p.request_id])
            and not occupancy.mismatches(site, p.beds, needs[p.request_id])
        ]
        if turned_away:
            raise HousingRefused(
                _(
                    "Current or planned guests do not meet these restrictions: %(guests)s",
                    guests=_names(turned_away, by),
                ),
                field="accepts",
            )


def _names(placements: list[Placement], by) -> str:
    """The placements concerned, as the user may see them: a guest in hiding outside their cases
    is named without the dates of the stay."""
    found = people.get_many(p.person_id for p in placements)
    names = []
    for p in placements:
        person = found[p.person_id]
        if not may_act_for(by, person) and person.in_hiding:
            names.append(_("a guest in hiding"))
        else:
            names.append(
                _(
                    "%(alias)s (placement %(id)s, %(start)s to %(end)s)",
                    alias=person.alias,
                    id=p.id,
                    start=day(p.start_on),
                    end=day(p.end_on) if p.end_on else _("no set end"),
                )
            )
    return "; ".join(names) + "."
