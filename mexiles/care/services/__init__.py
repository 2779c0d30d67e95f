"""The rules of counseling referrals. Other domains use only what this package exposes.

- directory: providers, their open capacity (stale when not confirmed) and their counselors;
- referrals: making referrals, and reading them as the case team or as the provider's counselor;
- steps: the one table of allowed status steps, appointments and every other change;
- reports: the needs-attention list, the reminders, outcomes and spending.
"""

from ...timeutil import today
from . import directory
from .common import CareError
from .referrals import counselor_listing, counselor_view, create, find, listing, referable_people, view
from .reports import (
    attention_summary,
    counseling_spent,
    default_period,
    export_rows,
    needs_attention,
    outcomes,
    paid_sessions_by_month,
    remind_coordinators,
)
from .steps import (
    TRANSITIONS,
    Outcome,
    ReferralAccess,
    appointments_on_record,
    check_step,
    may_have_got_care,
    move,
    next_appointment_kind,
    next_steps,
    override_consent,
    record_attendance,
    schedule,
    set_cost,
    set_follow_up,
    takes_appointments,
)
from .timeline import timeline_for_person

__all__ = [
    "directory",
    "CareError",
    "today",
    "counselor_listing",
    "counselor_view",
    "create",
    "find",
    "listing",
    "referable_people",
    "view",
    "attention_summary",
    "counseling_spent",
    "paid_sessions_by_month",
    "default_period",
    "export_rows",
    "needs_attention",
    "outcomes",
    "remind_coordinators",
    "TRANSITIONS",
    "Outcome",
    "ReferralAccess",
    "appointments_on_record",
    "check_step",
    "may_have_got_care",
    "move",
    "next_appointment_kind",
    "next_steps",
    "override_consent",
    "record_attendance",
    "schedule",
    "set_cost",
    "set_follow_up",
    "takes_appointments",
    "timeline_for_person",
]
