"""Covering the fee: the organisation nets the intended amount, never less, with the least extra."""

from mexiles.giving.services import fees


def test_the_organisation_nets_exactly_what_the_donor_intended(app):
    with app.app_context():
        for net in list(range(500, 20_000, 7)) + [25_300_000]:
            gross = fees.gross_covering_fee(net)
            assert gross - fees.processing_fee(gross) >= net, net
            assert gross - 1 - fees.processing_fee(gross - 1) < net, net  # no cent more than needed


def test_the_default_terms_are_stripes_and_settings_change_them(app):
    with app.app_context():
        assert fees.processing_fee(10_000) == 320
        assert fees.fee_added(5000) == 180  # 5180 - (150 + 30) = 5000
        assert fees.gross_covering_fee(10_000, percent="2.2", fixed_cents=30) == 10_256
