"""The practice hears of a referral sent to it: one email to its directory contact, in its language
(or English), with no more than the referral's number, its urgency and where to sign in."""

from tests.care.conftest import LEGAL_NAME, REASON, SENSITIVE
from tests.mailbox import body


def test_sending_a_referral_mails_the_practice_only_what_it_needs(
    client, auth, mailbox, world, make_provider, make_referral
):
    spanish_only = make_provider(name="Consultorio Sur", languages=("es",), contact_email="sur@clinica.example")
    auth.login(world.coordinator)
    referral = make_referral(world.person_id, spanish_only, world.coordinator, urgency="urgent")
    client.post(f"/care/referrals/{referral}/step", data={"to": "sent"})
    message = mailbox.wait_for("sur@clinica.example")
    assert message["Subject"] == "Una nueva canalización a terapia para su consulta"
    text = body(message)
    assert f"Núm. {referral}" in text and "Urgente" in text
    assert f"http://mexiles.test/care/counsel/{referral}" in text
    assert LEGAL_NAME not in text and REASON not in text and "La Maestra" not in text
    assert not any(value in text for value in SENSITIVE.values())


def test_a_practice_that_works_in_english_is_mailed_in_english(
    client, auth, mailbox, world, make_provider, make_referral
):
    both = make_provider(name="Both Languages Clinic", languages=("es", "en"), contact_email="intake@both.example")
    auth.login(world.coordinator)
    referral = make_referral(world.person_id, both, world.coordinator, urgency="crisis")
    client.post(f"/care/referrals/{referral}/step", data={"to": "sent"})
    message = mailbox.wait_for("intake@both.example")
    assert message["Subject"] == "A new counseling referral for your practice"
    assert f"No. {referral}" in body(message) and "Crisis" in body(message)
