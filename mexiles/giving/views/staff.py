"""Giving for staff: funds and campaigns (admins), donors, gifts, refunds, reports, exports."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from ... import timeutil
from ...access import Role, roles_required, staff_only
from ...http import page_arg
from ...money import money, to_cents, to_dollars
from ..forms import (
    BounceForm,
    CampaignForm,
    DonorSearchForm,
    FundForm,
    MergeForm,
    OfflineGiftForm,
    RefundForm,
    ThanksForm,
)
from ..services import donors, exports, reports, stewardship, webhooks
from ..services import gifts as services
from ..services.stripe_gateway import API_VERSION, StripeError
from .blueprint import bp

admin_only = roles_required(Role.ADMIN)


def _locale() -> str:
    return str(get_locale())


@bp.route("/staff/")
@staff_only
def staff_home():
    return render_template(
        "giving/staff/home.html",
        disputes=services.open_disputes(),
        refused=services.refused_attempts(50),
        events=webhooks.needing_attention(50),
        api_version=API_VERSION,
    )


# --- Funds and campaigns (admins) ---------------------------------------------------------------


@bp.route("/staff/funds", methods=["GET", "POST"])
@admin_only
def funds():
    form = FundForm()
    if form.validate_on_submit():
        if services.fund_by_code(form.code.data.strip()):
            form.code.errors.append(_("A fund with this code exists."))
        else:
            services.save_fund(None, form.data_dict(), current_user)
            flash(_("Fund saved."), "success")
            return redirect(url_for("giving.funds"))
    return render_template("giving/staff/funds.html", funds=services.funds(active_only=False), form=form)


@bp.route("/staff/funds/<int:fund_id>", methods=["GET", "POST"])
@admin_only
def fund_edit(fund_id):
    fund = services.get_fund(fund_id)
    form = FundForm(obj=fund)
    if form.validate_on_submit():
        other = services.fund_by_code(form.code.data.strip())
        if other and other.id != fund.id:
            form.code.errors.append(_("A fund with this code exists."))
        else:
            services.save_fund(fund, form.data_dict(), current_user)
            flash(_("Fund saved."), "success")
            return redirect(url_for("giving.funds"))
    return render_template("giving/staff/fund_form.html", form=form, fund=fund)


def _campaign_form(campaign=None) -> CampaignForm:
    form = CampaignForm(obj=campaign) if campaign else CampaignForm()
    if campaign and request.method == "GET":
        form.goal.data = to_dollars(campaign.goal_cents)
        form.fund.data = campaign.fund_id or 0
    form.fund.choices = [(0, "—")] + [(f.id, f.name(_locale())) for f in services.funds(active_only=False)]
    return form


@bp.route("/staff/campaigns")
@admin_only
def campaigns():
    return render_template("giving/staff/campaigns.html", campaigns=services.campaigns(), locale=_locale())


@bp.route("/staff/campaigns/new", methods=["GET", "POST"])
@bp.route("/staff/campaigns/<int:campaign_id>", methods=["GET", "POST"])
@admin_only
def campaign_edit(campaign_id=None):
    campaign = services.get_campaign(campaign_id) if campaign_id else None
    form = _campaign_form(campaign)
    if form.validate_on_submit():
        other = services.campaign_by_slug(form.slug.data.strip())
        if other and (campaign is None or other.id != campaign.id):
            form.slug.errors.append(_("Another campaign uses this address."))
        else:
            saved = services.save_campaign(campaign, form.data_dict(), current_user)
            flash(_("Campaign saved."), "success")
            return redirect(url_for("giving.campaign", slug=saved.slug))
    return render_template("giving/staff/campaign_form.html", form=form, campaign=campaign)


# --- Donors -----------------------------------------------------------------------------------


@bp.route("/staff/donors", methods=["GET", "POST"])
@staff_only
def donor_list():
    # Searches are POSTed: an email address often holds a name, which must stay out of access logs.
    form = DonorSearchForm()
    query = (form.q.data or "").strip() if form.validate_on_submit() else ""
    page, totals = donors.listing(1 if query else page_arg(), query, current_user)
    return render_template("giving/staff/donors.html", page=page, totals=totals, form=form, searching=bool(query))


@bp.route("/staff/donors/<int:donor_id>", methods=["GET", "POST"])
@staff_only
def donor_detail(donor_id):
    donor = donors.get_or_404(donor_id)
    form = MergeForm()
    if form.validate_on_submit():
        into = donors.get(form.into.data)
        if into is None or into.id == donor.id:
            form.into.errors.append(_("Give the number of another donor."))
        else:
            donors.merge(donor, into, current_user)
            flash(_("The two donors are merged."), "success")
            return redirect(url_for("giving.donor_detail", donor_id=into.id))
    donors.view(donor, current_user)
    return render_template(
        "giving/staff/donor.html",
        donor=donor,
        gifts=donors.history(donor),
        monthly=donors.recurring_of(donor),
        thanks=stewardship.thanks_of(donor),
        thanks_form=ThanksForm(),
        bounce_form=BounceForm(),
        form=form,
        locale=_locale(),
    )


# --- Gifts ------------------------------------------------------------------------------------


@bp.route("/staff/gifts")
@staff_only
def gift_list():
    filters = {"status": request.args.get("status", ""), "disputed": request.args.get("disputed") == "1"}
    page = services.gifts_page(page_arg(), filters, current_user)
    return render_template("giving/staff/gifts.html", page=page, filters=filters, locale=_locale())


@bp.route("/staff/gifts/new", methods=["GET", "POST"])
@staff_only
def gift_new():
    form = OfflineGiftForm()
    form.fund.choices = [(f.id, f.name(_locale())) for f in services.funds()]
    form.campaign.choices = [(0, "—")] + [(c.id, c.title(_locale())) for c in services.campaigns()]
    if request.method == "GET":
        form.received_on.data = timeutil.today()
    if form.validate_on_submit():
        data = {
            "email": form.email.data,
            "name": (form.name.data or "").strip(),
            "address": (form.address.data or "").strip(),
            "locale": form.locale.data,
            "source": form.source.data,
            "amount_cents": to_cents(form.amount.data),
            "fund_id": form.fund.data,
            "campaign_id": form.campaign.data or None,
            "received_on": form.received_on.data,
            "description": (form.description.data or "").strip() or None,
        }
        gift = services.record_offline_gift(data, current_user)
        flash(_("Gift recorded and receipt sent."), "success")
        return redirect(url_for("giving.gift_detail", gift_id=gift.id))
    return render_template("giving/staff/gift_new.html", form=form)


@bp.route("/staff/gifts/<int:gift_id>", methods=["GET", "POST"])
@staff_only
def gift_detail(gift_id):
    gift = services.get_gift(gift_id)
    form = RefundForm()
    if form.validate_on_submit():
        try:
            services.refund(
                gift, to_cents(form.amount.data), form.reason.data, current_user, by_card=form.way.data == "card"
            )
        except services.RefundWayRefused as refusal:
            form.amount.errors.append(refusal.message)
        except services.RefundError as refusal:
            form.amount.errors.append(
                _("You can refund at most %(left)s of this gift.", left=money(int(refusal.args[0]), gift.currency))
            )
        except StripeError:
            form.amount.errors.append(_("Stripe did not accept the refund. Nothing was changed; try again."))
        else:
            flash(_("Refund recorded."), "success")
            return redirect(url_for("giving.gift_detail", gift_id=gift.id))
    services.view_gift(gift, current_user)
    return render_template("giving/staff/gift.html", gift=gift, form=form, locale=_locale())


# --- Reports and exports ----------------------------------------------------------------------


@bp.route("/staff/reports")
@staff_only
def report():
    year, status = request.args.get("year", timeutil.today().year, type=int), 200
    if year not in reports.years():
        flash(
            _("Reports cover the years %(first)s to %(last)s.", first=reports.years()[0], last=reports.years()[-1]),
            "error",
        )
        year, status = timeutil.today().year, 400
    built = reports.build(year)
    return render_template(
        "giving/staff/reports.html",
        report=built,
        years=reports.years(),
        fund_rows=[(f.name(_locale()), *rest) for f, *rest in built.by_fund],
        campaign_rows=[(c.title(_locale()), *rest) for c, *rest in built.by_campaign],
    ), status


@bp.route("/staff/export/gifts.csv")
@staff_only
def export_gifts():
    return exports.gifts_csv(current_user)


@bp.route("/staff/export/donors.csv")
@staff_only
def export_donors():
    return exports.donors_csv(current_user)
