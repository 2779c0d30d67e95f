from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    EmailField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp, ValidationError

from ..forms import (
    INT_MAX,
    LANGUAGE_CHOICES,
    AmountRange,
    RecordField,
    amount_checks,
    finite_amount,
    options,
    whole_number,
)
from ..money import MAX_AMOUNT, money, to_cents
from .vocabulary import APPEAL_SEGMENTS as SEGMENT_LABELS
from .vocabulary import SOURCES, STEWARDSHIP_LISTS, THANKS_METHODS, TRIBUTE_KINDS

LARGE_GIFT = _l("For a gift this large, please contact us.")
FREQUENCIES = {"once": _l("One time"), "monthly": _l("Monthly")}
TRIBUTES = {"": _l("No tribute"), **TRIBUTE_KINDS}
OFFLINE_SOURCES = {code: label for code, label in SOURCES.items() if code != "online"}


class DonateForm(FlaskForm):
    amount = RadioField(_l("Amount"), validate_choice=False, default="")
    other_amount = DecimalField(
        _l("Other amount (US$)"),
        places=2,
        validators=[Optional(), finite_amount, AmountRange(None, MAX_AMOUNT, message=LARGE_GIFT)],
    )
    frequency = RadioField(_l("How often"), choices=options(FREQUENCIES), default="once")
    fund = SelectField(_l("Use my gift for"))
    cover_fee = BooleanField(_l("Add the card processing fee so that all of my gift goes to the work"))
    tribute_kind = SelectField(_l("Tribute"), choices=options(TRIBUTES), default="")
    tribute_name = StringField(_l("Name of the person you honor"), validators=[Optional(), Length(max=120)])
    tribute_email = EmailField(
        _l("Send a notice of the gift to (optional)"), validators=[Optional(), Email(), Length(max=254)]
    )
    anonymous = BooleanField(_l("Give anonymously (your name is never shown in public)"))
    listed = BooleanField(_l("List my name among our supporters on the impact page"))
    amount_shown = BooleanField(_l("Show the amount of my gift beside my name on the campaign's wall of donors"))
    # Consent to appeals: never ticked for the donor (the field has no default).
    opted_in = BooleanField(_l("Send me news and appeals by email (you can stop them with one click)"))
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("Email, for your receipt"), validators=[DataRequired(), Email(), Length(max=254)])
    address = TextAreaField(_l("Address for the receipt (optional)"), validators=[Optional(), Length(max=400)])
    # A field people never see: bots fill it in.
    website = StringField(_l("Leave this field empty"), validators=[Optional()])
    campaign = HiddenField()
    event = HiddenField(validators=[Optional(), Regexp(r"^\d{1,9}$")])
    attempt = HiddenField(validators=[DataRequired(), Regexp(r"^[A-Za-z0-9_-]{16,64}$")])
    payment_method = HiddenField(validators=[Optional(), Regexp(r"^[A-Za-z0-9_]{3,255}$")])

    def chosen_cents(self) -> int | None:
        # A preset is a few digits; anything longer is no preset (and too long to make an int of).
        if (
            self.amount.data
            and self.amount.data != "other"
            and self.amount.data.isdigit()
            and len(self.amount.data) <= 9
        ):
            return to_cents(int(self.amount.data))
        if self.other_amount.data is not None:
            return to_cents(self.other_amount.data)
        return None

    def validate(self, extra_validators=None) -> bool:
        # Checks across fields run here: an Optional() field stops its own inline validators.
        valid = super().validate(extra_validators)
        cents = self.chosen_cents() if not self.other_amount.errors else None
        minimum = current_app.config["DONATION_MINIMUM_CENTS"]
        problem = None
        if cents is None:
            problem = _l("Choose an amount or type one.")
        elif cents < minimum:
            problem = _l("The smallest gift we can take online is %(amount)s.", amount=money(minimum))
        elif cents > 100_000_00:
            problem = LARGE_GIFT
        if problem and not self.other_amount.errors:
            self.other_amount.errors = [*self.other_amount.errors, problem]
        if self.tribute_kind.data and not (self.tribute_name.data or "").strip():
            self.tribute_name.errors = [*self.tribute_name.errors, _l("Give the name of the person you honor.")]
        return valid and not problem and not self.tribute_name.errors


class FundForm(FlaskForm):
    code = StringField(
        _l("Code"),
        validators=[
            DataRequired(),
            Length(max=32),
            Regexp(r"^[a-z0-9_-]+$", message=_l("Use lowercase letters, digits, - and _ only.")),
        ],
    )
    name_en = StringField(_l("Name in English"), validators=[DataRequired(), Length(max=120)])
    name_es = StringField(_l("Name in Spanish"), validators=[DataRequired(), Length(max=120)])
    position = IntegerField(_l("Order on the donate page"), default=0, validators=[Optional(), whole_number(0, 10_000)])
    active = BooleanField(_l("Offered on the donate page"), default=True)

    def data_dict(self) -> dict:
        return {
            "code": self.code.data.strip(),
            "name_en": self.name_en.data.strip(),
            "name_es": self.name_es.data.strip(),
            "position": self.position.data or 0,
            "active": self.active.data,
        }


class CampaignForm(FlaskForm):
    slug = StringField(
        _l("Address (slug)"),
        validators=[
            DataRequired(),
            Length(max=80),
            Regexp(r"^[a-z0-9-]+$", message=_l("Use lowercase letters, digits and - only.")),
        ],
    )
    title_en = StringField(_l("Title in English"), validators=[DataRequired(), Length(max=200)])
    title_es = StringField(_l("Title in Spanish"), validators=[DataRequired(), Length(max=200)])
    story_en = TextAreaField(_l("Story in English"), validators=[Optional(), Length(max=20000)])
    story_es = TextAreaField(_l("Story in Spanish"), validators=[Optional(), Length(max=20000)])
    image_path = StringField(
        _l("Image (path under /static, optional)"),
        validators=[
            Optional(),
            Length(max=200),
            Regexp(r"^[A-Za-z0-9_./-]+$", message=_l("Use a path such as img/campaign.jpg.")),
        ],
    )
    goal = DecimalField(_l("Goal (US$)"), places=2, validators=amount_checks(1, required=True))
    starts_on = DateField(_l("Starts on"), validators=[DataRequired()])
    ends_on = DateField(_l("Deadline"), validators=[DataRequired()])
    fund = RecordField(_l("Fund"))

    def validate_ends_on(self, field):
        if self.starts_on.data and field.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The deadline must come after the start."))

    def data_dict(self) -> dict:
        return {
            "slug": self.slug.data.strip(),
            "title_en": self.title_en.data.strip(),
            "title_es": self.title_es.data.strip(),
            "story_en": self.story_en.data or "",
            "story_es": self.story_es.data or "",
            "image_path": self.image_path.data or None,
            "goal_cents": to_cents(self.goal.data),
            "starts_on": self.starts_on.data,
            "ends_on": self.ends_on.data,
            "fund_id": self.fund.data or None,
        }


class OfflineGiftForm(FlaskForm):
    email = EmailField(_l("Donor's email"), validators=[DataRequired(), Email(), Length(max=254)])
    name = StringField(_l("Donor's name"), validators=[Optional(), Length(max=120)])
    address = TextAreaField(_l("Donor's address"), validators=[Optional(), Length(max=400)])
    locale = SelectField(_l("Language of the receipt"), choices=LANGUAGE_CHOICES)
    source = SelectField(_l("Kind of gift"), choices=options(OFFLINE_SOURCES))
    amount = DecimalField(_l("Amount or fair value (US$)"), places=2, validators=amount_checks("0.01", required=True))
    fund = RecordField(_l("Fund"))
    campaign = RecordField(_l("Campaign"))
    received_on = DateField(_l("Received on"), validators=[DataRequired()])
    description = StringField(_l("Check number or description of the gift"), validators=[Optional(), Length(max=500)])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.source.data == "in_kind" and not (self.description.data or "").strip():
            self.description.errors = [*self.description.errors, _l("Describe the in-kind gift for the receipt.")]
            return False
        return valid


class RefundForm(FlaskForm):
    amount = DecimalField(_l("Amount to refund (US$)"), places=2, validators=amount_checks("0.01", required=True))
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=200)])
    # Which form the page showed: the card refund (online gifts) or the record of money returned.
    way = HiddenField(default="card")


class MergeForm(FlaskForm):
    into = IntegerField(
        _l("Keep donor number"),
        validators=[DataRequired(), whole_number(1, INT_MAX, message=_l("Give the number of another donor."))],
    )


EMAIL_MAX = 254  # the longest address mail can carry


class SigninRequestForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=EMAIL_MAX)])


class ProfileForm(FlaskForm):
    email = EmailField(
        _l("Email"),
        validators=[DataRequired(), Email(), Length(max=254)],
        description=_l("A new address takes effect once you open the link we send to it."),
    )
    locale = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)
    listed = BooleanField(_l("List my name among our supporters on the impact page"))


class AmountForm(FlaskForm):
    amount = DecimalField(
        _l("New monthly amount (US$)"), places=2, validators=amount_checks(None, required=True)
    )  # the least is checked below

    def validate_amount(self, field):
        minimum = current_app.config["DONATION_MINIMUM_CENTS"]
        if field.data is not None and to_cents(field.data) < minimum:
            raise ValidationError(_l("The smallest gift we can take online is %(amount)s.", amount=money(minimum)))


class DonorSearchForm(FlaskForm):
    q = StringField(_l("Find by email"), validators=[Optional(), Length(max=254)])


class StatementForm(FlaskForm):
    class Meta:
        csrf = False

    since = DateField(_l("From"), validators=[DataRequired()])
    until = DateField(_l("To"), validators=[DataRequired()])


class ConfirmForm(FlaskForm):
    pass


class StewardshipForm(FlaskForm):
    """Which list, for which year, and from what amount a gift counts as large (a GET form)."""

    class Meta:
        csrf = False

    list = SelectField(_l("List"), choices=options(STEWARDSHIP_LISTS), default="lybunt")
    year = IntegerField(_l("Year"), validators=[Optional(), whole_number(1990, 9999)])
    minimum = DecimalField(
        _l("Gifts of at least (US$)"),
        places=2,
        default=1000,
        validators=[Optional(), finite_amount, AmountRange(1, MAX_AMOUNT)],
    )


class ThanksForm(FlaskForm):
    method = SelectField(_l("Thanked by"), choices=options(THANKS_METHODS))
    gift = IntegerField(validators=[Optional(), whole_number(1, INT_MAX)])
    back = HiddenField(validators=[Optional(), Length(max=500)])


class AppealForm(FlaskForm):
    subject_en = StringField(_l("Subject in English"), validators=[DataRequired(), Length(max=200)])
    body_en = TextAreaField(_l("Letter in English"), validators=[DataRequired(), Length(max=20000)])
    subject_es = StringField(_l("Subject in Spanish"), validators=[DataRequired(), Length(max=200)])
    body_es = TextAreaField(_l("Letter in Spanish"), validators=[DataRequired(), Length(max=20000)])
    segment = SelectField(_l("Send to"), choices=options(SEGMENT_LABELS), default="opted_in")
    fund = RecordField(_l("Fund (for a fund's donors)"))

    def validate_fund(self, field):
        if self.segment.data == "fund" and not field.data:
            raise ValidationError(_l("Choose a fund for an appeal to a fund's donors."))

    def data_dict(self) -> dict:
        return {
            "subject_en": self.subject_en.data.strip(),
            "body_en": self.body_en.data,
            "subject_es": self.subject_es.data.strip(),
            "body_es": self.body_es.data,
            "segment": self.segment.data,
            "fund_id": self.fund.data if self.segment.data == "fund" else None,
        }


class BounceForm(FlaskForm):
    bounced = BooleanField()
