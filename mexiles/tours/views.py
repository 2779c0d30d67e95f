from functools import wraps

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_login import current_user

from ..access import Role, is_staff, public, roles_required, staff_only
from ..extensions import limiter
from ..forms import options
from ..http import id_arg, page_arg
from ..money import to_dollars
from ..refusals import flash_refusal
from ..timeutil import org_zone
from .forms import (
    AvailabilityForm,
    BookingForm,
    CalendarForm,
    EventFilterForm,
    EventForm,
    HostButtonForm,
    OutcomeForm,
    OwnProfileForm,
    ProposalAnswerForm,
    ProposeForm,
    RespondForm,
    SpeakerForm,
    SpeakerPersonForm,
    StepForm,
    UnavailableForm,
)
from .services import agenda, availability, bookings, calendar, host, speakers, timing
from .services import events as services
from .vocabulary import (
    HOST_STATUS_LABELS,
    LANGUAGES,
    NAME_CHOICES,
    PROPOSAL_STATUS_LABELS,
    STATUS_LABELS,
    STEP_LABELS,
    TRAVEL_SUPPORT,
)

bp = Blueprint("tours", __name__, url_prefix="/tours")
speaker_only = roles_required(Role.SPEAKER)


@bp.app_template_filter("when")
def when_filter(event, zone: str | None = None) -> str:
    """An event's date and times, in its own zone unless another is given."""
    return timing.span(event.starts_at, event.ends_at, zone or event.time_zone)


@bp.app_template_filter("org_hours")
def org_hours_filter(event) -> str:
    """An event's times in the organisation's zone (the staff calendar's)."""
    return timing.hours(event.starts_at, event.ends_at, org_zone().key)


@bp.context_processor
def vocabulary():
    return {
        "public_name": speakers.public_name,
        "STATUS_LABELS": STATUS_LABELS,
        "STEP_LABELS": STEP_LABELS,
        "PRINTABLE_FOR_SPEAKER": services.PRINTABLE_FOR_SPEAKER,
        "LANGUAGES": LANGUAGES,
        "NAME_CHOICES": NAME_CHOICES,
        "TRAVEL_SUPPORT": TRAVEL_SUPPORT,
        "PROPOSAL_STATUS_LABELS": PROPOSAL_STATUS_LABELS,
        "HOST_STATUS_LABELS": HOST_STATUS_LABELS,
    }


def _ics(body: bytes, filename: str) -> Response:
    return Response(
        body,
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


# --- Public: the tour page, event pages, booking requests, the speakers' feeds --------------


@bp.route("/")
@public
def tour():
    locale = str(get_locale())
    form = AvailabilityForm(request.args)
    speaker_id, language, topic, zone = form.choice(locale)
    found = availability.for_page(speaker_id, language, topic, zone)
    form.speaker.choices = options(
        [("", _("Any speaker"))] + [(str(s.id), speakers.public_name(s)) for s in found.roster]
    )
    form.topic.choices = options([("", _("Any topic"))] + [(t, t) for t in found.topics])
    form.language.data, form.time_zone.data = language, zone
    form.speaker.data = str(found.chosen.id) if found.chosen else ""
    return render_template(
        "tours/tour.html",
        events=services.public_upcoming(),
        form=form,
        found=found,
        language=language,
        topic=topic,
        topics_of=availability.topics_of,
        talk_hours=availability.TALK_HOURS,
    )


@bp.route("/events/<int:event_id>")
@public
def public_event(event_id):
    event = services.public_event(event_id) or abort(404)
    return render_template(
        "tours/public_event.html",
        event=event,
        donation_url=services.donation_url(event),
        bio=speakers.bio(event.speaker, str(get_locale())),
    )


@bp.route("/book", methods=["GET", "POST"])
# Only requests that were received count: a host correcting typos is not locked out.
@limiter.limit(
    lambda: current_app.config["TOURS_BOOKING_RATE_LIMIT"],
    methods=["POST"],
    deduct_when=lambda response: response.status_code == 302,
)
@public
def book():
    locale = str(get_locale())
    form = BookingForm() if request.method == "POST" else BookingForm(data=BookingForm.chosen(request.args, locale))
    form.speaker.choices = options(
        [("", _("Any speaker"))] + [(str(s.id), speakers.public_name(s)) for s in availability.public_speakers()]
    )
    refusal, status = None, 200
    if form.validate_on_submit() and form.check_clock():
        try:
            # A robot is thanked like anyone; its request is kept aside for review, and nothing is sent.
            bookings.receive(form.booking_data(), host_locale=locale, flagged_spam=form.is_spam())
            return redirect(url_for("tours.booked"))
        except availability.NotFree as refused:
            refusal, status = refused, 409  # the form comes back with everything typed in
    return render_template("tours/book.html", form=form, refusal=refusal), status


@bp.route("/book/thanks")
@public
def booked():
    return render_template("tours/booked.html")


# --- The host's own page, through the private link mailed to them ---------------------------


def host_link(view):
    """Open the request the link names, or answer with a page that says why the link does not work."""

    @wraps(view)
    def opened(request_id, token):
        try:
            booking = host.for_link(request_id, token)
        except host.HostLinkRefused as refusal:
            return render_template("tours/host_refused.html", message=refusal.message), 404
        response = make_response(view(booking, token))
        response.headers["Cache-Control"] = "no-store"  # the page and its link are the host's alone
        return response

    return opened


def _host_page(booking, token, propose_form=None, status=200):
    host.view(booking)
    return render_template(
        "tours/host_request.html",
        booking=booking,
        token=token,
        event=host.current_event(booking),
        confirmed=host.confirmed_event(booking),
        proposal=host.open_proposal(booking),
        host_status=host.host_status(booking),
        propose_form=propose_form or ProposeForm(booking.time_zone),
        withdraw_form=HostButtonForm(),
    ), status


@bp.route("/requests/<int:request_id>/<token>")
@public
@host_link
def host_request(booking, token):
    return _host_page(booking, token)


@bp.route("/requests/<int:request_id>/<token>/propose", methods=["POST"])
# Each proposal mails the coordinators: as many as requests may be made, counted alike.
@limiter.limit(
    lambda: current_app.config["TOURS_BOOKING_RATE_LIMIT"],
    methods=["POST"],
    deduct_when=lambda response: response.status_code == 302,
)
@public
@host_link
def host_propose(booking, token):
    form = ProposeForm(booking.time_zone)
    if form.validate_on_submit() and form.check_clock():
        try:
            host.propose(booking, *form.span_utc())
            flash(_("Thank you. A coordinator will answer your proposal by email."), "success")
            return redirect(url_for("tours.host_request", request_id=booking.id, token=token))
        except host.ProposalRefused as refusal:
            form.form_errors.append(str(refusal))
    return _host_page(booking, token, propose_form=form, status=422)


@bp.route("/requests/<int:request_id>/<token>/withdraw", methods=["POST"])
@public
@host_link
def host_withdraw(booking, token):
    if not HostButtonForm().validate_on_submit():
        flash(_("The form was too old. Please try again."), "error")
        return redirect(url_for("tours.host_request", request_id=booking.id, token=token))
    host.withdraw(booking)
    return redirect(url_for("tours.host_withdrawn"))


@bp.route("/requests/withdrawn")
@public
def host_withdrawn():
    return render_template("tours/host_withdrawn.html")


@bp.route("/requests/<int:request_id>/<token>/event.ics")
@public
@host_link
def host_event_ics(booking, token):
    body = host.event_file(booking) or abort(404)
    host.view(booking)
    return _ics(body, "event.ics")


@bp.route("/feed/<token>.ics")
@public
def feed(token):
    speaker = speakers.for_feed_token(token) or abort(404)
    events = services.speaker_events(speaker)
    services.view_in_feed(events)
    return _ics(calendar.feed(speaker, events), "tours.ics")


# --- Coordinators: the inbox of requests ---------------------------------------------------


@bp.route("/manage/requests")
@staff_only
def inbox():
    flagged = request.args.get("flagged") == "1"
    return render_template("tours/inbox.html", page=bookings.inbox(page_arg(), flagged_spam=flagged), flagged=flagged)


@bp.route("/manage/requests/<int:request_id>")
@staff_only
def booking_request(request_id):
    booking = bookings.get(request_id) or abort(404)
    bookings.view(booking)
    return render_template(
        "tours/request.html",
        booking=booking,
        proposal=host.open_proposal(booking),
        answer_form=ProposalAnswerForm(),
        link_form=HostButtonForm(),
    )


@bp.route("/manage/requests/<int:request_id>/host-link", methods=["POST"])
@staff_only
def send_host_link(request_id):
    booking = bookings.get(request_id) or abort(404)
    if HostButtonForm().validate_on_submit():
        try:
            host.send_new_link(booking, by=current_user)
            flash(_("A new link is on its way to the host; the old one no longer works."), "success")
        except host.HostLinkRefused as refusal:
            flash_refusal(refusal)
    return redirect(url_for("tours.booking_request", request_id=request_id))


@bp.route("/manage/requests/<int:request_id>/proposals/<int:proposal_id>/accept", methods=["POST"])
@staff_only
def accept_proposal(request_id, proposal_id):
    booking = bookings.get(request_id) or abort(404)
    if ProposalAnswerForm().validate_on_submit():
        try:
            host.accept(booking, proposal_id, by=current_user)
            flash(_("The proposed time is accepted; the event has moved."), "success")
        except services.ConflictsFound as found:
            for conflict in found.conflicts:  # the same reasons the event's own form would give
                flash(str(conflict.message), "error")
            flash(_("The time was not changed. To book it anyway, change the event and give a reason."), "error")
        except (host.ProposalRefused, services.StepRefused) as refusal:
            flash_refusal(refusal)
    return redirect(url_for("tours.booking_request", request_id=request_id))


@bp.route("/manage/requests/<int:request_id>/proposals/<int:proposal_id>/decline", methods=["POST"])
@staff_only
def decline_proposal(request_id, proposal_id):
    booking = bookings.get(request_id) or abort(404)
    form = ProposalAnswerForm()
    if form.validate_on_submit():
        try:
            host.decline(booking, proposal_id, by=current_user, reason=form.reason.data)
            flash(_("The proposal is declined; the host is told."), "success")
        except host.ProposalRefused as refusal:
            flash_refusal(refusal)
    else:
        flash(_("The reason is too long."), "error")
    return redirect(url_for("tours.booking_request", request_id=request_id))


@bp.route("/manage/requests/<int:request_id>/close", methods=["POST"])
@staff_only
def close_request(request_id):
    bookings.close(bookings.get(request_id) or abort(404), by=current_user)
    flash(_("The request is put away."), "success")
    return redirect(url_for("tours.inbox"))


@bp.route("/manage/requests/<int:request_id>/not-spam", methods=["POST"])
@staff_only
def not_spam(request_id):
    bookings.not_spam(bookings.get(request_id) or abort(404), by=current_user)
    flash(_("The request is in the inbox now."), "success")
    return redirect(url_for("tours.booking_request", request_id=request_id))


@bp.route("/manage/requests/<int:request_id>/reopen", methods=["POST"])
@staff_only
def reopen_request(request_id):
    bookings.reopen(bookings.get(request_id) or abort(404), by=current_user)
    return redirect(url_for("tours.booking_request", request_id=request_id))


# --- Coordinators: events ------------------------------------------------------------------


@bp.route("/manage/events")
@staff_only
def events():
    form = EventFilterForm(request.args)
    form.status.choices = options([("", "—")] + list(STATUS_LABELS.items()))
    page = services.listing(form.when.data or "upcoming", form.status.data or "", page_arg())
    return render_template("tours/events.html", form=form, page=page)


@bp.route("/manage/calendar")
@staff_only
def tour_calendar():
    form = CalendarForm(request.args)
    form.speaker.choices = options(
        [(0, _("All speakers"))] + [(s.id, speakers.public_name(s)) for s in speakers.all_speakers()]
    )
    form.validate()  # a value that is refused is named on the page, and its default used instead
    speaker_id = None if form.speaker.errors else form.speaker.data or None
    period = agenda.period(
        "month" if form.view.errors else form.view.data, None if form.date.errors else form.date.data, speaker_id
    )
    return render_template("tours/calendar.html", form=form, period=period, speaker_id=speaker_id)


def _speaker_choices(form) -> None:
    form.speaker_id.choices = options([(0, "—")] + [(s.id, speakers.public_name(s)) for s in speakers.all_speakers()])


def _save_event(form, event, booking=None):
    """Save the form through the service; put refusals and conflicts on the form. None if refused
    (the view answers 409: the booking conflicts with what is already there)."""
    try:
        return services.save(
            event, form.event_data(), by=current_user, override_reason=form.override_reason.data, request=booking
        )
    except services.ConflictsFound as found:
        form.conflicts = found
    except services.StepRefused as refusal:
        form.form_errors.append(str(refusal))
    return None


@bp.route("/manage/events/new", methods=["GET", "POST"])
@staff_only
def new_event():
    booking = None
    if (request_id := id_arg("request")) is not None:
        booking = bookings.get(request_id) or abort(404)
        bookings.view(booking)  # the form is filled in with the host's contact details
    if request.method == "GET" and booking:
        start, end = (
            timing.local(booking.starts_at, booking.time_zone),
            timing.local(booking.ends_at, booking.time_zone),
        )
        form = EventForm(
            data={
                "speaker_id": booking.speaker_id or 0,
                "title": booking.topic,
                "day": start.date(),
                "starts": start.time(),
                "ends": end.time(),
                "time_zone": booking.time_zone,
                "city": booking.city,
                "venue": booking.venue,
                "listed": True,
                "organisation": booking.organisation,
                "host_name": booking.contact_name,
                "host_email": booking.contact_email,
                "host_locale": booking.host_locale,
                "language": booking.language,
                "expected_audience": booking.expected_audience,
                "honorarium": to_dollars(booking.honorarium_cents),
            }
        )
    else:
        form = EventForm()
    _speaker_choices(form)
    status = 200
    if form.validate_on_submit() and form.check_clock():
        event = _save_event(form, None, booking)
        if event:
            flash(_("The event is saved."), "success")
            return redirect(url_for("tours.event", event_id=event.id))
        status = 409
    return render_template("tours/event_form.html", form=form, event=None, booking=booking), status


@bp.route("/manage/events/<int:event_id>")
@staff_only
def event(event_id):
    event = services.get(event_id) or abort(404)
    services.view(event, current_user)
    return render_template(
        "tours/event.html",
        event=event,
        steps=services.allowed_steps(event, services.COORDINATOR),
        step_form=StepForm(),
        donation_url=services.donation_url(event),
        actor_names=services.history_names(event),
    )


@bp.route("/manage/events/<int:event_id>/edit", methods=["GET", "POST"])
@staff_only
def edit_event(event_id):
    event = services.get(event_id) or abort(404)
    if request.method == "GET":
        start, end = timing.local(event.starts_at, event.time_zone), timing.local(event.ends_at, event.time_zone)
        form = EventForm(
            obj=event,
            day=start.date(),
            starts=start.time(),
            ends=end.time(),
            honorarium=None if event.honorarium_offered_cents is None else to_dollars(event.honorarium_offered_cents),
        )
    else:
        form = EventForm()
    _speaker_choices(form)
    status = 200
    if form.validate_on_submit() and form.check_clock():
        if _save_event(form, event):
            flash(_("Changes saved."), "success")
            return redirect(url_for("tours.event", event_id=event.id))
        status = 409
    services.view(event, current_user)
    return render_template("tours/event_form.html", form=form, event=event, booking=None), status


@bp.route("/manage/events/<int:event_id>/step", methods=["POST"])
@staff_only
def step(event_id):
    event = services.get(event_id) or abort(404)
    form = StepForm()
    conflicts = None
    if form.validate_on_submit():
        try:
            services.move(
                event, form.to.data, by=current_user, reason=form.reason.data, override_reason=form.override_reason.data
            )
            flash(_("The event is now: %(status)s.", status=STATUS_LABELS[event.status]), "success")
            return redirect(url_for("tours.event", event_id=event.id))
        except services.ConflictsFound as found:
            conflicts = found
        except services.StepRefused as refusal:
            flash_refusal(refusal)
            return redirect(url_for("tours.event", event_id=event.id))
    return render_template(
        "tours/event.html",
        event=event,
        steps=services.allowed_steps(event, services.COORDINATOR),
        step_form=form,
        conflicts=conflicts,
        donation_url=services.donation_url(event),
        actor_names=services.history_names(event),
    ), 409


@bp.route("/manage/events/<int:event_id>/report", methods=["GET", "POST"])
@staff_only
def report(event_id):
    event = services.get(event_id) or abort(404)
    form = OutcomeForm(
        data={
            "attendance": event.attendance,
            "honorarium_received": to_dollars(event.honorarium_received_cents),
            "travel_costs": to_dollars(event.travel_costs_cents),
        }
        if request.method == "GET"
        else None
    )
    if form.validate_on_submit():
        try:
            services.record_outcome(event, form.outcome_data(), by=current_user)
            flash(_("The outcome is saved."), "success")
            return redirect(url_for("tours.report", event_id=event.id))
        except services.StepRefused as refusal:
            form.form_errors.append(str(refusal))
    gifts = services.gifts_credited([event.id])[event.id]
    return render_template(
        "tours/report.html", event=event, form=form, gifts=gifts, donation_url=services.donation_url(event)
    )


# --- The printable QR code, for coordinators and the event's speaker -----------------------


def _printable_event(event_id):
    if is_staff(current_user):
        return services.get(event_id) or abort(404)
    return services.printable_for_speaker(current_user, event_id) or abort(404)


@bp.route("/poster/<int:event_id>")
@roles_required(Role.COORDINATOR, Role.ADMIN, Role.SPEAKER)
def poster(event_id):
    event = _printable_event(event_id)
    with force_locale(event.language):  # the room hears the talk in its language, whoever prints the poster
        return render_template("tours/poster.html", event=event, donation_url=services.donation_url(event))


@bp.route("/poster/<int:event_id>/qr.svg")
@roles_required(Role.COORDINATOR, Role.ADMIN, Role.SPEAKER)
def qr(event_id):
    event = _printable_event(event_id)
    return Response(calendar.qr_svg(services.donation_url(event)), mimetype="image/svg+xml")


# --- Coordinators: speakers ----------------------------------------------------------------


@bp.route("/manage/speakers")
@staff_only
def speaker_list():
    return render_template("tours/speakers.html", speakers=speakers.listing())


@bp.route("/manage/speakers/new", methods=["GET", "POST"])
@staff_only
def new_speaker():
    form = SpeakerForm()
    form.user_id.choices = options([(0, "—")] + [(u.id, u.email) for u in speakers.users_without_profile()])
    if form.validate_on_submit():
        try:
            speaker = speakers.create(form.user_id.data, form.profile_data(), by=current_user)
            flash(_("The speaker profile is saved."), "success")
            return redirect(url_for("tours.speaker", speaker_id=speaker.id))
        except speakers.ProfileError as refusal:
            form.user_id.errors = [str(refusal)]
    return render_template("tours/speaker_form.html", form=form, speaker=None)


@bp.route("/manage/speakers/<int:speaker_id>")
@staff_only
def speaker(speaker_id):
    speaker = speakers.get(speaker_id) or abort(404)
    speakers.view(speaker)
    return render_template(
        "tours/speaker.html",
        speaker=speaker,
        unavailable=speakers.unavailable_of(speaker),
        person_form=SpeakerPersonForm(person_id=speakers.person_of(speaker)),
    )


@bp.route("/manage/speakers/<int:speaker_id>/person", methods=["POST"])
@staff_only
def speaker_person(speaker_id):
    speaker = speakers.get(speaker_id) or abort(404)
    form = SpeakerPersonForm()
    if form.validate_on_submit():
        try:
            speakers.link_person(speaker, form.person_id.data, by=current_user)
            flash(_("Changes saved."), "success")
        except speakers.ProfileError as refusal:
            flash_refusal(refusal)
    else:
        flash(_("Give the record number of a person on your case team."), "error")
    return redirect(url_for("tours.speaker", speaker_id=speaker.id))


@bp.route("/manage/speakers/<int:speaker_id>/edit", methods=["GET", "POST"])
@staff_only
def edit_speaker(speaker_id):
    speaker = speakers.get(speaker_id) or abort(404)
    form = SpeakerForm(obj=speaker if request.method == "GET" else None)
    del form.user_id
    if request.method == "GET":
        speakers.view(speaker)
    if form.validate_on_submit():
        changed = speakers.update(speaker, form.profile_data(), by=current_user)
        flash(_("Changes saved.") if changed else _("Nothing was changed."), "success")
        return redirect(url_for("tours.speaker", speaker_id=speaker.id))
    return render_template("tours/speaker_form.html", form=form, speaker=speaker)


# --- The speaker's own portal --------------------------------------------------------------


def _own_profile():
    return speakers.for_user(current_user) or abort(404)


@bp.route("/me/")
@speaker_only
def portal():
    speaker = speakers.for_user(current_user)
    events = services.speaker_events(speaker) if speaker else []
    return render_template("tours/portal.html", speaker=speaker, events=events)


@bp.route("/me/events/<int:event_id>")
@speaker_only
def my_event(event_id):
    speaker = _own_profile()
    event = services.for_speaker(current_user, event_id) or abort(404)
    services.view(event, current_user)
    return render_template("tours/my_event.html", speaker=speaker, event=event, form=RespondForm())


@bp.route("/me/events/<int:event_id>/respond", methods=["POST"])
@speaker_only
def respond(event_id):
    speaker = _own_profile()
    event = services.for_speaker(current_user, event_id) or abort(404)
    form = RespondForm()
    conflicts, status = None, 200
    if form.validate_on_submit():
        try:
            services.move(event, form.decision.data, by=current_user, reason=form.reason.data)
            flash(_("Thank you. Your answer is sent to the coordinators."), "success")
            return redirect(url_for("tours.my_event", event_id=event.id))
        except services.ConflictsFound as found:
            conflicts, status = found, 409
        except services.StepRefused as refusal:
            form.form_errors.append(str(refusal))
            status = 409
    return render_template("tours/my_event.html", speaker=speaker, event=event, form=form, conflicts=conflicts), status


@bp.route("/me/events/<int:event_id>.ics")
@speaker_only
def my_event_ics(event_id):
    event = services.for_speaker(current_user, event_id) or abort(404)
    services.view(event, current_user)
    return _ics(calendar.event_file(event, for_speaker=True), f"event-{event.id}.ics")


@bp.route("/me/unavailable", methods=["GET", "POST"])
@speaker_only
def unavailable():
    speaker = _own_profile()
    form = UnavailableForm()
    if form.validate_on_submit():
        speakers.add_unavailable(speaker, form.first_day.data, form.last_day.data, form.note.data, by=current_user)
        flash(_("Those days are marked as unavailable."), "success")
        return redirect(url_for("tours.unavailable"))
    return render_template("tours/unavailable.html", form=form, rows=speakers.unavailable_of(speaker))


@bp.route("/me/unavailable/<int:row_id>/remove", methods=["POST"])
@speaker_only
def remove_unavailable(row_id):
    if not speakers.remove_unavailable(_own_profile(), row_id, by=current_user):
        abort(404)
    flash(_("Those days are available again."), "success")
    return redirect(url_for("tours.unavailable"))


@bp.route("/me/calendar", methods=["GET", "POST"])
@speaker_only
def my_calendar():
    speaker = _own_profile()
    feed_url = None
    if request.method == "POST":
        # The secret is shown once, on this page; only its hash is kept.
        token = speakers.reset_feed_token(speaker, by=current_user)
        feed_url = url_for("tours.feed", token=token, _external=True)
    return render_template("tours/my_calendar.html", speaker=speaker, feed_url=feed_url)


@bp.route("/me/profile", methods=["GET", "POST"])
@speaker_only
def my_profile():
    speaker = _own_profile()
    form = OwnProfileForm(obj=speaker if request.method == "GET" else None)
    if form.validate_on_submit():
        changed = speakers.update(speaker, form.profile_data(), by=current_user, fields=speakers.OWN_FIELDS)
        flash(_("Changes saved.") if changed else _("Nothing was changed."), "success")
        return redirect(url_for("tours.my_profile"))
    return render_template("tours/my_profile.html", form=form, speaker=speaker)
