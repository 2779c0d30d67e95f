"""Speaker profiles: the one public name, the protected legal name, unavailable days, feed secrets."""

from __future__ import annotations

import hashlib
import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ...access import Role
from ...accounts import services as accounts
from ...audit import services as audit
from ...extensions import db
from ...people import services as people
from ...refusals import Refusal
from ..models import Speaker, SpeakerPerson, Unavailability

SUBJECT = "tour_speaker"
# What a coordinator edits; a speaker edits the same but the legal name.
FIELDS = (
    "legal_name",
    "name_choice",
    "alias",
    "bio_en",
    "bio_es",
    "topics",
    "languages",
    "home_city",
    "public_city",
    "time_zone",
)
OWN_FIELDS = tuple(f for f in FIELDS if f != "legal_name")


def public_name(speaker: Speaker) -> str:
    """The only name shown outside the staff: on public pages, feeds and every email to a host."""
    if speaker.name_choice == "full":
        return speaker.legal_name
    if speaker.name_choice == "first":
        return speaker.legal_name.split()[0]
    return speaker.alias or ""  # never empty: a check constraint keeps the alias of one who chose it


def bio(speaker: Speaker, locale: str) -> str | None:
    """The biography in the reader's language, else the other one."""
    first, second = (speaker.bio_es, speaker.bio_en) if locale == "es" else (speaker.bio_en, speaker.bio_es)
    return first or second


# --- Reading -------------------------------------------------------------------------------


def get(speaker_id: int) -> Speaker | None:
    return db.session.get(Speaker, speaker_id)


def for_user(user) -> Speaker | None:
    return db.session.scalar(select(Speaker).where(Speaker.user_id == user.id))


def public_names_by_user(user_ids) -> dict[int, str]:
    """The public name of each of these accounts that has a speaker profile, by user id."""
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return {}
    return {s.user_id: public_name(s) for s in db.session.scalars(select(Speaker).where(Speaker.user_id.in_(ids)))}


def all_speakers() -> list[Speaker]:
    speakers = list(db.session.scalars(select(Speaker)))
    return sorted(speakers, key=lambda s: public_name(s).casefold())


def listing() -> list[Speaker]:
    """Every speaker, legal names included, for coordinators; the look is audited."""
    speakers = all_speakers()
    if speakers:
        audit.record_each("tour_speakers.list", SUBJECT, [s.id for s in speakers])
    db.session.commit()
    return speakers


def view(speaker: Speaker) -> None:
    audit.record("tour_speaker.view", SUBJECT, speaker.id)
    db.session.commit()


def users_without_profile() -> list:
    """Speaker accounts that have no profile yet."""
    have = set(db.session.scalars(select(Speaker.user_id)))
    return [u for u in accounts.users_with_role(Role.SPEAKER) if u.id not in have]


# --- Changing ------------------------------------------------------------------------------


class ProfileError(Refusal):
    """A refusal with a message for the user."""


def create(user_id: int | None, data: dict, by) -> Speaker:
    if user_id not in {u.id for u in users_without_profile()}:
        raise ProfileError(_l("Choose a speaker account that has no profile yet."))
    speaker = Speaker(user_id=user_id, **{k: data[k] for k in FIELDS if k in data})
    db.session.add(speaker)
    db.session.flush()
    audit.record("tour_speaker.create", SUBJECT, speaker.id, actor=by, fields=[k for k in FIELDS if data.get(k)])
    db.session.commit()
    return speaker


def update(speaker: Speaker, data: dict, by, fields=FIELDS) -> list[str]:
    changed = [k for k in fields if k in data and getattr(speaker, k) != data[k]]
    for key in changed:
        setattr(speaker, key, data[key])
    if changed:
        audit.record("tour_speaker.update", SUBJECT, speaker.id, actor=by, fields=changed)
    db.session.commit()
    return changed


def add_unavailable(speaker: Speaker, first_day, last_day, note: str | None, by) -> Unavailability:
    row = Unavailability(speaker=speaker, first_day=first_day, last_day=last_day, note=note or None)
    db.session.add(row)
    db.session.flush()
    audit.record("tour_speaker.unavailable_added", SUBJECT, speaker.id, actor=by, unavailability=row.id)
    db.session.commit()
    return row


def remove_unavailable(speaker: Speaker, row_id: int, by) -> bool:
    """Remove one of the speaker's own unavailable spans; False if it is not theirs."""
    row = db.session.get(Unavailability, row_id)
    if row is None or row.speaker_id != speaker.id:
        return False
    db.session.delete(row)
    audit.record("tour_speaker.unavailable_removed", SUBJECT, speaker.id, actor=by, unavailability=row_id)
    db.session.commit()
    return True


def unavailable_of(speaker: Speaker) -> list[Unavailability]:
    return list(
        db.session.scalars(
            select(Unavailability).where(Unavailability.speaker_id == speaker.id).order_by(Unavailability.first_day)
        )
    )


def person_of(speaker: Speaker) -> int | None:
    """The record number of the person served the speaker is, if they are one."""
    return db.session.scalar(select(SpeakerPerson.person_id).where(SpeakerPerson.speaker_id == speaker.id))


def link_person(speaker: Speaker, person_id: int | None, by) -> None:
    """Say which person served the speaker is (or None): their talks then join that case file.
    Only someone who sees the person's whole record may say so."""
    if person_id:
        person = people.get(person_id)
        if person is None or not people.may_see_full(by, person):
            raise ProfileError(_l("Give the record number of a person on your case team."))
    db.session.execute(SpeakerPerson.__table__.delete().where(SpeakerPerson.speaker_id == speaker.id))
    if person_id:
        db.session.add(SpeakerPerson(speaker_id=speaker.id, person_id=person_id))
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise ProfileError(_l("That person is linked to another speaker already.")) from None
    audit.record("tour_speaker.person", SUBJECT, speaker.id, actor=by, person=person_id)
    db.session.commit()


# --- The private calendar feed -------------------------------------------------------------
# The URL holds a random secret; only its hash is stored, so a database leak gives no feed away.
# The host's own link (services.host) is made the same way.


def secret_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_secret() -> tuple[str, str]:
    """A secret for a private URL, and the digest of it to store."""
    token = secrets.token_urlsafe(32)
    return token, secret_digest(token)


def reset_feed_token(speaker: Speaker, by) -> str:
    """A new secret for the feed URL; the old URL stops working at once."""
    token, speaker.feed_token_hash = new_secret()
    audit.record("tour_speaker.feed_reset", SUBJECT, speaker.id, actor=by)
    db.session.commit()
    return token


def for_feed_token(token: str) -> Speaker | None:
    """The speaker whose feed this is, while their account is active and still holds the speaker role:
    a deactivated or demoted speaker's old URL must stop giving their schedule away."""
    if not token or len(token) > 100:
        return None
    digest = secret_digest(token)
    speaker = db.session.scalar(
        select(Speaker).options(selectinload(Speaker.unavailable)).where(Speaker.feed_token_hash == digest)
    )
    if speaker is None or not speaker.user.is_active or not speaker.user.has_role(Role.SPEAKER):
        return None
    return speaker
