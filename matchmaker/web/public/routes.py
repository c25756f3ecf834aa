"""Pages anyone can read."""

from flask import Blueprint, render_template

from matchmaker.services.reference_data import all_priorities
from matchmaker.web.access import public

bp = Blueprint("public", __name__)


@bp.get("/")
@public
def home():
    return render_template("public/home.html", priorities=all_priorities())


@bp.get("/accessibility")
@public
def accessibility():
    return render_template("public/accessibility.html")


@bp.get("/privacy")
@public
def privacy():
    return render_template("public/privacy.html")
