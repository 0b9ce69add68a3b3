"""The studio pages' blueprint (named ``designer``, as its page addresses are)."""
from flask import Blueprint

bp = Blueprint("designer", __name__, url_prefix="/designer")
