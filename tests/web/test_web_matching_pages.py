"""Teacher matching pages over HTTP: rules, preview, move, lock, re-run, publish, access, errors."""

from __future__ import annotations

import re

from flask import Flask
from flask import session as browser_state
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from plugin.actors import Actor, Role
from plugin.exchanges.models import Participant, ParticipantStatus
from plugin.matching.models import MatchingRun
from plugin.profiles.models import Profile
from plugin.teams.models import Team
from tests.plugin.exchanges.world import make_world
from tests.plugin.matching.test_matching_service import _exchange, _student
from web.auth import start_web_session

RULES = {
    "min_size": "3",
    "max_size": "4",
    "min_institutions": "2",
    "max_per_institution": "2",
    "min_hours": "2",
    "working_languages": "en",
    "min_level": "B1",
    "isolation": "institution",
    "seed": "4",
}


def _sign_in(app: Flask, client: FlaskClient, actor: Actor) -> None:
    with app.test_request_context():
        start_web_session(actor)
        state = dict(browser_state)
    with client.session_transaction() as cookie:
        cookie.clear()
        cookie.update(state)


def _run(session: Session, run_id: int) -> MatchingRun:
    run = session.get(MatchingRun, run_id)  # each request closes the shared session
    assert run is not None
    return run


def _run_id(location: str) -> int:
    return int(re.findall(r"/matching/runs/(\d+)", location)[0])


def test_rules_form_has_presets_from_the_exchange(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    world = make_world(session)
    owner, exchange_id, _people = _exchange(world)
    _sign_in(app, client, owner)
    page = client.get(f"/exchanges/{exchange_id}/matching").get_data(as_text=True)
    assert 'id="min_size"' in page
    assert 'name="min_size"' in page
    assert re.search(r'id="min_size"[^>]*value="4"', page)  # the exchange's teams of 4 to 6
    assert re.search(r'id="max_size"[^>]*value="6"', page)
    assert re.search(r'id="min_institutions"[^>]*value="2"', page)
    assert re.search(r'id="max_per_institution"[^>]*value="3"', page)
    assert re.search(r'name="working_languages"[^>]*value="en" checked', page)
    assert '<option value="B1" selected>' in page
    assert "No proposals yet." in page
    overview = client.get(f"/exchanges/{exchange_id}/teacher").get_data(as_text=True)
    assert f'href="/exchanges/{exchange_id}/matching"' in overview


def test_teacher_proposes_edits_reruns_and_publishes(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    world = make_world(session)
    owner, exchange_id, people = _exchange(world)
    _sign_in(app, client, owner)
    made = client.post(f"/exchanges/{exchange_id}/matching", data=RULES)
    assert made.status_code == 303
    run_url = made.headers["Location"]
    run_id = _run_id(run_url)
    preview = client.get(run_url).get_data(as_text=True)
    assert preview.count('data-testid="team"') == 2
    assert "mixes 2 universities" in preview
    assert "6 h weekly overlap" in preview  # everyone is free Tue 13:00-19:00 UTC
    assert "Tue 13:00\u201319:00" in preview  # best slot, in the viewer's zone (UTC here)
    assert "working language: English" in preview
    assert 'data-testid="total-score"' in preview
    assert "@" not in preview  # no e-mail addresses on the page
    run = _run(session, run_id)
    assert run.seed == 4
    assert run.rules["max_per_institution"] == 2
    assert run.rules["weights"]["isolation_groups"]  # one group per university
    keys = sorted(run.teams)
    overall = r'data-testid="total-score">.*?Overall: ([-\d.,]+) points \(higher is better\)'
    before = re.search(overall, preview, re.S)
    assert before is not None
    # The score in words a teacher understands: shared time first, no bare "-0.00" terms.
    assert "Shared time: at least 6 h a week" in preview
    assert "Language levels: even" in preview
    assert "-0.0" not in preview
    assert "Balance" not in preview

    mover = run.teams[keys[0]][0]
    moved = client.post(
        f"/matching/runs/{run_id}/move", data={"person_id": str(mover), "team": keys[1]}
    )
    assert moved.status_code == 303
    assert mover in _run(session, run_id).teams[keys[1]]
    after = client.get(run_url).get_data(as_text=True)
    total = re.search(overall, after, re.S)
    assert total is not None
    # Teams of 5 and 3 from 4 and 4: the size rule breaks or the score moves.
    assert total.group(1) != before.group(1) or 'data-testid="broken"' in after

    locked = client.post(
        f"/matching/runs/{run_id}/lock", data={"person_id": str(mover), "locked": "1"}
    )
    assert locked.status_code == 303
    page = client.get(run_url).get_data(as_text=True)
    member = re.search(rf'data-person="{mover}".*?</li>', page, re.S)
    assert member is not None
    assert 'data-testid="locked"' in member.group(0)
    assert "/move" not in member.group(0)  # a locked student offers Unlock, not Move
    assert client.post(f"/matching/runs/{run_id}/move", data={"person_id": "x"}).status_code == 400
    refused = client.post(
        f"/matching/runs/{run_id}/move", data={"person_id": str(mover), "team": keys[0]}
    )
    assert refused.status_code == 409

    again = client.post(f"/matching/runs/{run_id}/rerun", data={"seed": "5"})
    assert again.status_code == 303
    new_id = _run_id(again.headers["Location"])
    assert new_id != run_id
    rerun = _run(session, new_id)
    assert rerun.seed == 5
    if rerun.teams:  # the lock may make the pool infeasible; then the run holds a report
        assert mover in rerun.teams[keys[1]]

    assert client.post(f"/matching/runs/{run_id}/publish").status_code == 303
    teams = session.scalars(select(Team).where(Team.exchange_id == exchange_id)).all()
    assert len(teams) == len(_run(session, run_id).teams)
    published = client.get(run_url).get_data(as_text=True)
    assert 'data-testid="published"' in published
    assert "/publish" not in published
    assert "/move" not in published
    audit = client.get(f"/exchanges/{exchange_id}/matching").get_data(as_text=True)
    assert audit.count('data-testid="run"') == 2
    assert "seed 4" in audit
    assert "seed 5" in audit
    assert "published" in audit

    _sign_in(app, client, people[0])
    home = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert "Go to your team room" in home


def test_infeasible_rules_show_the_report_with_relaxations(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    world = make_world(session)
    owner, exchange_id, _people = _exchange(world)
    _sign_in(app, client, owner)
    made = client.post(f"/exchanges/{exchange_id}/matching", data={**RULES, "min_hours": "10"})
    assert made.status_code == 303
    page = client.get(made.headers["Location"]).get_data(as_text=True)
    assert 'data-testid="infeasible"' in page
    assert 'role="alert"' in page
    assert "Shared weekly hours" in page
    # The students in the way are named with what they reach, and what would help is said.
    assert 'data-testid="problem-students"' in page
    assert (
        "leiden-s1 (Universiteit Leiden): at most 6 h a week in common with any student of "
        "another university"
    ) in page
    assert "What would help" in page
    assert "lower the minimum shared time to 6 h" in page
    assert 'data-testid="team"' not in page
    assert "/publish" not in page


def test_bad_rules_come_back_with_a_400_and_what_was_typed(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    world = make_world(session)
    owner, exchange_id, _people = _exchange(world)
    _sign_in(app, client, owner)
    cases = [
        ({"min_size": "four"}, "Please enter whole numbers."),
        ({"min_hours": "-1"}, "A number is outside its allowed range."),
        ({"min_size": "5", "max_size": "3"}, "1 &lt;= minimum &lt;= maximum"),
        ({"min_level": "Z9"}, "Choose a CEFR level from the list."),
        ({"working_languages": "xx"}, "Choose working languages of this exchange."),
    ]
    for change, message in cases:
        response = client.post(
            f"/exchanges/{exchange_id}/matching", data={**RULES, "seed": "77", **change}
        )
        page = response.get_data(as_text=True)
        assert response.status_code == 400, change
        assert message in page, change
        assert 'data-testid="rules-form"' in page
        assert re.search(r'id="seed"[^>]*value="77"', page)
    no_language = {k: v for k, v in RULES.items() if k != "working_languages"}
    assert client.post(f"/exchanges/{exchange_id}/matching", data=no_language).status_code == 400
    assert session.scalar(select(MatchingRun.id)) is None  # nothing stored for refused rules


def test_students_and_outsiders_are_refused(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    world = make_world(session)
    owner, exchange_id, people = _exchange(world)
    _sign_in(app, client, owner)
    run_id = _run_id(
        client.post(f"/exchanges/{exchange_id}/matching", data=RULES).headers["Location"]
    )
    outsider = world.arrive("leiden", "t9", Role.TEACHER, course="other")
    for actor in (people[0], outsider):
        _sign_in(app, client, actor)
        assert client.get(f"/exchanges/{exchange_id}/matching").status_code == 403
        assert client.post(f"/exchanges/{exchange_id}/matching", data=RULES).status_code == 403
        assert client.get(f"/matching/runs/{run_id}").status_code == 403
        person = str(people[1].person_id)
        for action, data in (
            ("move", {"person_id": person, "team": "T01"}),
            ("lock", {"person_id": person, "locked": "1"}),
            ("rerun", {"seed": "1"}),
            ("publish", {}),
        ):
            assert client.post(f"/matching/runs/{run_id}/{action}", data=data).status_code == 403
    assert client.get("/matching/runs/999999").status_code == 404


def _pair(a: Actor, b: Actor) -> str:
    low, high = sorted((a.person_id, b.person_id))
    return f"{low}-{high}"


def test_teacher_adds_and_removes_pairs_and_proposing_keeps_them(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    world = make_world(session)
    owner, exchange_id, people = _exchange(world)
    _sign_in(app, client, owner)
    url = f"/exchanges/{exchange_id}/matching"
    form = client.get(url).get_data(as_text=True)
    assert '<option value="institution" selected>' in form  # no isolation by university
    assert "gender" not in form.split('id="isolation"')[1].split("</select>")[0]
    assert form.count(f'<option value="{people[3].person_id}">leiden-s3 (') == 4  # 2 pickers x 2

    a, b, c = (str(p.person_id) for p in people[:3])
    added = client.post(url, data={**RULES, "add": "together", "together_a": c, "together_b": a})
    page = added.get_data(as_text=True)
    assert added.status_code == 200  # the form again, with the pair; nothing proposed yet
    together = _pair(people[0], people[2])
    assert f'name="together" value="{together}"' in page
    assert re.search(r"bologna-s0 \([^)]+\) \+ bologna-s2 \(", page)
    assert 'data-testid="pair-notice"' in page
    assert re.search(r'id="together_a"[^>]*autofocus', page)  # keyboard users stay put
    assert re.search(r'id="seed"[^>]*value="4"', page)  # the rest of the form is kept
    assert session.scalar(select(MatchingRun.id)) is None

    apart = _pair(people[0], people[1])
    state = {**RULES, "together": together}
    again = client.post(url, data={**state, "add": "together", "together_a": a, "together_b": c})
    assert again.get_data(as_text=True).count(f'name="together" value="{together}"') == 1
    page = client.post(url, data={**state, "add": "apart", "apart_a": a, "apart_b": b}).get_data(
        as_text=True
    )
    assert f'name="apart" value="{apart}"' in page
    removed = client.post(url, data={**state, "apart": apart, "remove": f"apart:{apart}"})
    assert f'name="apart" value="{apart}"' not in removed.get_data(as_text=True)
    assert f'name="together" value="{together}"' in removed.get_data(as_text=True)

    for data, message in (
        ({"add": "apart", "apart_a": a, "apart_b": a}, "Choose two different students"),
        ({"add": "apart", "apart_a": a}, "Choose two different students"),
        ({"add": "apart", "apart_a": a, "apart_b": "999999"}, "from this exchange&#39;s pool"),
        ({"apart": together}, "both kept together and kept apart"),
        ({"isolation": "gender"}, "Choose how no student should be left alone"),
    ):
        refused = client.post(url, data={**state, **data})
        assert refused.status_code == 400, data
        assert message in refused.get_data(as_text=True), data
        assert f'name="together" value="{together}"' in refused.get_data(as_text=True)
    assert session.scalar(select(MatchingRun.id)) is None

    # Enter in a field presses the first button, "Add pair": with no students chosen it proposes.
    made = client.post(
        url, data={**state, "apart": apart, "isolation": "discipline", "add": "together"}
    )
    assert made.status_code == 303
    run = _run(session, _run_id(made.headers["Location"]))
    assert run.rules["keep_together"] == [together.split("-")]
    assert run.rules["keep_apart"] == [apart.split("-")]
    assert run.rules["weights"]["isolation_groups"] == [
        ["discipline", "history"],
        ["discipline", "law"],
    ]
    team_of = {pid: key for key, members in run.teams.items() for pid in members}
    assert team_of[people[0].person_id] == team_of[people[2].person_id]
    assert team_of[people[0].person_id] != team_of[people[1].person_id]
    audit = client.get(url).get_data(as_text=True)
    assert 'data-testid="run"' in audit


def _team_rows(session: Session, exchange_id: int) -> list[Team]:
    session.expire_all()
    return list(session.scalars(select(Team).where(Team.exchange_id == exchange_id)).all())


def test_published_teams_take_late_joiners_and_rebalance_after_dropouts(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    world = make_world(session)
    owner, exchange_id, people = _exchange(world, students=6)
    _sign_in(app, client, owner)
    late_url = f"/exchanges/{exchange_id}/matching/late-joiners"
    assert client.post(late_url).status_code == 409  # nothing published yet
    run_url = client.post(f"/exchanges/{exchange_id}/matching", data=RULES).headers["Location"]
    run_id = _run_id(run_url)
    assert client.post(f"/matching/runs/{run_id}/publish").status_code == 303
    page = client.get(run_url).get_data(as_text=True)
    assert 'data-testid="no-late-joiners"' in page
    assert "still count in a team: 0" in page

    late = _student(world, "leiden", "s7")
    stranger = _student(world, "bologna", "s8")  # free only on Sundays: fits no team
    profile = session.scalars(select(Profile).where(Profile.person_id == stranger.person_id)).one()
    profile.availability = [[6 * 24 * 60, 6 * 24 * 60 + 120]]
    session.commit()
    page = client.get(run_url).get_data(as_text=True)
    assert page.count('data-testid="late-joiner"') == 2
    assert "leiden-s7 (" in page

    placed = client.post(late_url)
    assert placed.status_code == 303
    assert placed.headers["Location"].endswith(f"/matching/runs/{run_id}#changes")
    page = client.get(run_url).get_data(as_text=True)
    report = page.split('data-testid="changes-report"')[1].split("</div>")[0]
    assert re.search(r"leiden-s7 joined team T0\d", report)
    assert "bologna-s8: the closest team would break Shared weekly hours" in report
    assert page.count('data-testid="late-joiner"') == 1  # the stranger still waits
    assert any(t.has_member(late.person_id) for t in _team_rows(session, exchange_id))
    assert 'data-testid="changes-report"' not in client.get(run_url).get_data(as_text=True)

    small = min(_team_rows(session, exchange_id), key=lambda t: len(t.members))
    leaver_id = small.members[0].person_id
    leaver = session.scalars(select(Participant).where(Participant.person_id == leaver_id)).one()
    leaver.status = ParticipantStatus.LEFT
    session.commit()
    assert "still count in a team: 1" in client.get(run_url).get_data(as_text=True)
    assert client.post(f"/exchanges/{exchange_id}/matching/rebalance").status_code == 303
    page = client.get(run_url).get_data(as_text=True)
    report = page.split('data-testid="changes-report"')[1].split("</div>")[0]
    assert re.search(r"moved from team T0\d to team T0\d", report)
    assert "still count in a team: 0" in page
    teams = _team_rows(session, exchange_id)
    assert not any(t.has_member(leaver_id) for t in teams)
    assert sorted(len(t.members) for t in teams) == [3, 3]
    assert 'data-testid="broken"' not in page

    _sign_in(app, client, people[0])
    assert client.post(late_url).status_code == 403
    assert client.post(f"/exchanges/{exchange_id}/matching/rebalance").status_code == 403


PAGE_BOUND = 300_000
"""Bytes one proposal page may take for 300 students in 60 teams. The page that gave every
student a <select> of every team took about 0.8 MB here and grew with students x teams."""


def test_a_large_proposal_stays_small_pages_its_teams_and_moves_by_typed_team(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    world = make_world(session)
    owner, exchange_id, _people = _exchange(world, students=300)
    _sign_in(app, client, owner)
    rules = {**RULES, "min_size": "5", "max_size": "5", "max_per_institution": "3"}
    made = client.post(f"/exchanges/{exchange_id}/matching", data=rules)
    assert made.status_code == 303
    run_id = _run_id(made.headers["Location"])
    keys = sorted(_run(session, run_id).teams)
    assert len(keys) == 60
    first = client.get(f"/matching/runs/{run_id}")
    page = first.get_data(as_text=True)
    assert len(first.data) < PAGE_BOUND
    assert page.count("<option") < 70  # one shared list of 60 teams, not one per student
    assert page.count('data-testid="team"') == 40
    assert 'list="team-keys"' in page
    assert 'aria-current="page"' in page
    assert "Teams 41\u201360" in page
    second = client.get(f"/matching/runs/{run_id}?page=2").get_data(as_text=True)
    assert second.count('data-testid="team"') == 20
    assert f'data-key="{keys[-1]}"' in second
    assert client.get(f"/matching/runs/{run_id}?page=zz").status_code == 200  # page 1

    # A student typed into the last team ("t60" for T60) lands on the page holding it.
    mover = _run(session, run_id).teams[keys[0]][0]
    moved = client.post(
        f"/matching/runs/{run_id}/move", data={"person_id": str(mover), "team": " t60 "}
    )
    assert moved.status_code == 303
    assert moved.headers["Location"].endswith(f"team={keys[-1]}#team-{keys[-1]}")
    assert mover in _run(session, run_id).teams[keys[-1]]
    landed = client.get(moved.headers["Location"]).get_data(as_text=True)
    assert f'data-key="{keys[-1]}"' in landed
    refused = client.post(
        f"/matching/runs/{run_id}/move", data={"person_id": str(mover), "team": "T99"}
    )
    assert refused.status_code == 400
    assert "Choose one of the proposed teams." in refused.get_data(as_text=True)

    # The same page in Dutch.
    with client.session_transaction() as cookie:
        cookie["locale"] = "nl"
    dutch = client.get(f"/matching/runs/{run_id}").get_data(as_text=True)
    assert "Typ het team waar een student naartoe moet" in dutch
    assert 'aria-label="Pagina\'s met teams"' in dutch

    # Published, the completion list of the teacher's 150 students comes 50 a page.
    with client.session_transaction() as cookie:
        cookie["locale"] = "en"
    assert client.post(f"/matching/runs/{run_id}/publish").status_code == 303
    listing = client.get(f"/exchanges/{exchange_id}/completion/students")
    students = listing.get_data(as_text=True)
    assert len(listing.data) < PAGE_BOUND  # about 0.2 MB with all 150 on one page
    assert students.count('class="student"') == 50
    assert students.count('name="person_id" value=') == 100  # override and attendance
    assert "Students 101\u2013150" in students
    third = client.get(f"/exchanges/{exchange_id}/completion/students?page=3")
    assert third.get_data(as_text=True).count('class="student"') == 50

    # The overview lists 100 participants of each institution a page.
    overview = client.get(f"/exchanges/{exchange_id}/teacher").get_data(as_text=True)
    assert overview.count('data-testid="participant"') == 200
    assert 'data-testid="people-pages"' in overview
    rest = client.get(f"/exchanges/{exchange_id}/teacher?people=2").get_data(as_text=True)
    assert rest.count('data-testid="participant"') == 100  # 150 students each
    assert "Participants 101\u2013150" in rest
