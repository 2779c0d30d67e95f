"""The people blueprint, in a module of its own so that view modules never import the package back."""
from flask import Blueprint

from ...access import Role, roles_required

bp = Blueprint("people", __name__, url_prefix="/people")
staff_only = roles_required(Role.COORDINATOR, Role.ADMIN)
