"""A person's own data (export, summary, self-erasure) and the students' privacy page.

Both pages are generated from ``plugin.privacy.declarations.HOLDINGS``, like the export and
the erasure, so what the page promises is what the code does.
"""

from __future__ import annotations

import json
from typing import Any

from flask import redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from plugin.privacy.declarations import HOLDINGS, Erase
from plugin.privacy.service import erase_person, export_person
from web.auth import current_actor, require_actor
from web.db import get_session
from web.pages import bp


def _actor() -> Any:
    actor = current_actor()
    assert actor is not None  # noqa: S101 - require_actor ran first
    return actor


@bp.route("/me/data.json")
@require_actor
def my_data() -> Response:
    data = export_person(get_session(), _actor())
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2),
        mimetype="application/json",
        headers={
            "Content-Disposition": 'attachment; filename="tandem-my-data.json"',
            "Cache-Control": "no-store",
        },
    )


@bp.route("/me/data")
@require_actor
def my_data_page() -> str:
    data = export_person(get_session(), _actor())
    return render_template(
        "privacy/my_data.html",
        data=data,
        holdings=[
            (holding, exported["rows"])
            for holding, exported in zip(
                [h for h in HOLDINGS if h.export], data["holdings"], strict=True
            )
            if exported["rows"]
        ],
    )


@bp.route("/me/erase", methods=["GET", "POST"])
def erase_me() -> Response | str:
    """GET asks for confirmation; POST erases the signed-in person and ends their session.

    A second POST (double submit) finds no session and lands on the same page as the first.
    """

    actor = current_actor()
    if request.method == "GET":
        if actor is None:
            return redirect(url_for("pages.privacy_page"), code=303)
        return render_template("privacy/erase_me.html")
    if actor is not None:
        erase_person(get_session(), actor, actor.person_id)
        session.clear()
    return redirect(url_for("pages.privacy_page", erased=1), code=303)


@bp.route("/privacy")
def privacy_page() -> str:

    return render_template(
        "privacy/privacy.html",
        holdings=HOLDINGS,
        Erase=Erase,
        erased=request.args.get("erased") == "1",
        signed_in=current_actor() is not None,
    )
