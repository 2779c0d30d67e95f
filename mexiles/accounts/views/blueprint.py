"""The accounts blueprint; every request of the app first passes the second-factor check."""

from flask import Blueprint

from ..services import sessions

bp = Blueprint("accounts", __name__, url_prefix="/account")
bp.before_app_request(sessions.require_second_factor)
