import datetime as dt
import re
from types import SimpleNamespace

import pytest

from mexiles.accounts.models import User
from mexiles.extensions import db
from mexiles.tours.models import TourEvent
from mexiles.tours.services import events as services
from mexiles.tours.services import speakers, timing

NOW = dt.datetime(2030, 9, 2, 15, 0)  # naive UTC; the DST switch of 2030 in the US is on November 3
LEGAL_NAME = "Evangelina Quetzalli Ruvalcaba Ocampo"  # invented


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(NOW.replace(tzinfo=dt.UTC), tick=False)
    return NOW


@pytest.fixture
def coordinator(make_user):
    return make_user("coordinator", name="Coordinadora Demo")


@pytest.fixture
def make_speaker(app, make_user, coordinator):
    """A speaker account with a profile; the account's own name is the legal name too, so a leak shows."""
    counter = iter(range(1, 1000))

    def make(
        name_choice="alias", legal_name=LEGAL_NAME, alias="La Voz", time_zone="America/Denver", locale="en", **profile
    ):
        n = next(counter)
        user = make_user("speaker", name=legal_name, locale=locale, email=f"speaker{n}-{name_choice}@example.org")
        with app.app_context():
            by = db.session.get(User, coordinator.id)
            speaker = speakers.create(
                user.id,
                dict(
                    legal_name=legal_name,
                    name_choice=name_choice,
                    alias=alias,
                    time_zone=time_zone,
                    languages=["en", "es"],
                    **profile,
                ),
                by=by,
            )
            return SimpleNamespace(id=speaker.id, user=user, legal_name=legal_name, alias=alias)

    return make


@pytest.fixture
def make_event(app, coordinator):
    """An event on ``day`` at ``hour`` local time, taken through ``steps`` by the right people."""

    def make(
        speaker,
        day=dt.date(2030, 11, 2),
        hour=19,
        minutes=90,
        zone="America/Denver",
        city="Denver, CO",
        steps=(),
        title="A talk",
        listed=True,
        host_email="host@example.org",
        host_locale="en",
        language="en",
        **fields,
    ):
        with app.app_context():
            by = db.session.get(User, coordinator.id)
            speaker_user = db.session.get(User, speaker.user.id)
            starts_at = timing.to_utc(day, dt.time(hour), zone)
            event = services.save(
                None,
                dict(
                    speaker_id=speaker.id,
                    title=title,
                    starts_at=starts_at,
                    ends_at=starts_at + dt.timedelta(minutes=minutes),
                    time_zone=zone,
                    city=city,
                    venue="Demo Hall",
                    listed=listed,
                    organisation="Demo College",
                    host_name="Pat Host",
                    host_email=host_email,
                    host_locale=host_locale,
                    language=language,
                    **fields,
                ),
                by=by,
                override_reason="set up by the test",
            )
            for to in steps:
                services.move(
                    event,
                    to,
                    by=speaker_user if to in ("accepted", "declined") else by,
                    reason="a reason" if to in services.REASON_REQUIRED else None,
                    override_reason="set up by the test",
                )
            return event.id

    return make


def feed_url(client) -> str:
    """Make the signed-in speaker a new feed address, as the button does; the path of it."""
    page = client.post("/tours/me/calendar").data.decode()
    url = re.search(r'value="(http[^"]+\.ics)"', page).group(1)
    return url.replace("http://mexiles.test", "")


def event_status(app, event_id):
    with app.app_context():
        return db.session.get(TourEvent, event_id).status
