"""The trail speaks the viewer's language: action labels, kinds of record and readable details."""

import ast
import html
import re
from pathlib import Path

import pytest

from mexiles.audit import services as audit
from mexiles.audit.vocabulary import ACTIONS
from mexiles.extensions import db

PACKAGE = Path(__file__).resolve().parents[2] / "mexiles"
# Actions built from a list's name, with every name they take.
BUILT = {
    "donors.stewardship.{kind}": ("first", "large", "lybunt", "sybunt"),
    "donors.stewardship.{kind}.export": ("first", "large", "lybunt", "sybunt"),
}


def _recorded_actions() -> set[str]:
    """Every action string the code passes to audit.record / record_each."""
    found = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("record", "record_each")
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "audit"
            ):
                continue
            first = node.args[0]
            if isinstance(first, ast.JoinedStr):
                pattern = "".join(p.value if isinstance(p, ast.Constant) else "{kind}" for p in first.values)
                found |= {pattern.format(kind=kind) for kind in BUILT[pattern]}
            else:
                found |= {n.value for n in ast.walk(first) if isinstance(n, ast.Constant) and isinstance(n.value, str)}
    # Passed through a helper as its `action` argument.
    for path in PACKAGE.rglob("*.py"):
        found |= set(re.findall(r'_set_collection\([^)]*"(monthly\.\w+)"', path.read_text()))
    return found


def test_every_recorded_action_has_words():
    recorded = _recorded_actions()
    assert len(recorded) > 100
    assert sorted(recorded - set(ACTIONS)) == []


def test_recording_an_unlisted_action_fails(app):
    with app.test_request_context(), pytest.raises(audit.UnknownAction):
        audit.record("referrals.something_new", "referral", 1)


@pytest.mark.parametrize(
    ("locale", "words"),
    [
        (
            "en",
            [
                "Referrals needing attention viewed",
                "Referral status changed",
                "Dec 1, 2026",
                "Appointment: No. 31",
                "Fields: Current city, Where they went",
            ],
        ),
        (
            "es",
            [
                "Canalizaciones que requieren atención consultadas",
                "Estado de la canalización cambiado",
                "Cita: Núm. 31",
            ],
        ),
    ],
)
def test_the_viewer_reads_labels_and_details_in_words(app, client, auth, make_user, locale, words):
    admin = make_user("admin", locale=locale)
    with app.test_request_context():
        audit.record("referrals.attention", "referral", None, request=None)
        step = {"from_status": "in_care", "to_status": "closed", "closure_reason": "no_show"}
        audit.record("referral.step", "referral", 7, **step)
        audit.record("referrals.export", "referral", None, since="2026-12-01", until="2026-12-31")
        audit.record("referral.appointment", "referral", 7, appointment_id=31, kind="intake")
        audit.record("person.update", "person", 5, fields=["current_city", "exit_destination"])
        db.session.commit()
    auth.login(admin)
    page = client.get("/audit/").data.decode()
    text = html.unescape(re.sub(r"<[^>]+>", " ", page))
    for word in words:
        assert word in text
    for raw in (
        "referrals.attention",
        "referral.step",
        "None",
        "in_care",
        "no_show",
        "2026-12-01",
        "intake",
        "current_city",
    ):
        assert raw not in text, raw
