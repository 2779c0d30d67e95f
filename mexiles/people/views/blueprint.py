"""The people blueprint, in a module of its own so that view modules never import the package back."""

from flask import Blueprint

bp = Blueprint("people", __name__, url_prefix="/people")
