"""The soak's people besides the chatting students: teachers, registrars, note writers and
check-ins, driven while bench/soak.py's chat load and faults run.

Everything here goes through nginx over HTTP with web sessions got the way a person gets them
(a demo-LMS launch: teachers as the course's instructors, registrars as staff of each
university designated with ``add_registrar``, the use case behind ``tandem registrar add``),
or over Socket.IO with a room's connect token as the room page hands it out.

Before the load (``prepare``, bounded: seconds, not minutes) the soak's own PostgreSQL gets an
exchange between the demo LMS's two courses through the use cases a launch and the pages use
(demo/seed.py's ``Seeder``): every student of both demo courses a participant and onboarded
(the demo's profiles, in turn), check-ins open this week, and each student's completion
signed off by their own teacher as a decision without issuing (the registrars issue). Every
student the demo LMS can launch is in the exchange, so the launch load adds nobody the matching
did not see. The exchange has 500 students (100 with ``--quick``), half at each university.

During the load (``Staff``):

- each university's teacher opens their dashboards in turn (matching, participants,
  completion, team health; the proposal and the published teams once they exist), every
  answer timed (``teacher_pages``);
- Leiden's teacher proposes teams for the exchange with the form's presets
  (``matching_seconds``), proposes again with another seed and publishes that
  (``publish_seconds``);
- each university's registrar submits the console's bulk-issue form for the exchange and
  watches the job's progress; a job that stops moving (its worker was killed) is submitted
  again after ``stall`` seconds, as a registrar would (the form joins the running job and asks
  the worker again; in the full run the periodic resume usually comes first). The run waits
  until every approved completion has its credential: ``credentials_issued`` and
  ``credentials_duplicated`` (completions with more than one credential; must be 0) are read
  from the database at the end. Credentials are per institution, so the 500 credentials are
  the two registrars' jobs of 250;
- students of published teams launch and answer the weekly check-in form (some twice: the
  second answer replaces the first);
- note writers (one per chat team) keep a Yjs document as notes.js does (``note_sync`` on
  connect, then ``note_update`` for each edit) and edit every few seconds.

Every HTTP answer is added to the soak's status counts, so a 5xx here is in ``errors_5xx``
(or ``errors_5xx_in_faults``).
"""

from __future__ import annotations

import asyncio
import base64
import random
import re
import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any

import requests
from pycrdt import Doc, Text
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from bench.rooms import NAMESPACE, PatientClient
from demo.platforms import DemoPlatform, DemoUser
from demo.seed import PROFILES, Seeder
from demo.testing import launch_form_fields
from plugin.actors import Actor
from plugin.db import make_engine, make_session_factory
from plugin.notes.service import ROOT

if TYPE_CHECKING:
    from bench.soak import Figures, Shape

EXCHANGE_STUDENTS = {True: 100, False: 500}
DEMO_STUDENTS = len(PROFILES["leiden"])  # the demo course's own students, per university
OWNER, PARTNER = "leiden", "bologna"
JOB = re.compile(r"/registrar/jobs/(\d+)")
REQUEST_KEY = re.compile(r'name="request_key" value="([^"]+)"')


def demo_students_per_platform(quick: bool) -> int:
    """The students the soak's demo LMS adds to each course, so that its courses hold exactly
    the exchange's students (the demo's own twelve included)."""
    return EXCHANGE_STUDENTS[quick] // 2 - DEMO_STUDENTS


# -- before the load -----------------------------------------------------------------------


@dataclass
class Crowd:
    """What ``prepare`` made: the exchange and who acts in it."""

    exchange_id: int
    students: list[tuple[str, str]]  # (platform, user id), every student of the exchange
    person_ids: list[int]  # the same students' people
    teachers: dict[str, str]  # platform -> user id
    deciders: dict[str, Actor]  # platform -> its teacher, who signs its students off
    registrars: dict[str, str]
    seed_seconds: float


def _registrar(platform: DemoPlatform) -> DemoUser:
    """A member of the university's registry office, known to its LMS (demo roles are teacher
    or student; the office's staff launch as teachers)."""
    first = platform.users[0].user_id  # keep the platform's id shape (Brightspace's
    prefix = first.rsplit("_", 1)[0] + "_" if "_" in first else ""  # "<guid>_<n>")
    return DemoUser(f"{prefix}80001", "Registry", "Office", f"registry@{platform.slug}.example",
                    "teacher", platform.country)  # fmt: skip


def prepare(shape: Shape, quick: bool) -> Crowd:
    """The exchange, its onboarded students, open check-ins, approved completions and the
    registrars, through the use cases (see the module's docstring)."""
    from plugin.checkins.service import set_schedule
    from plugin.exchanges.service import (
        ExchangeDraft,
        create_exchange,
        decide_seat,
        issue_join_code,
        request_seat,
    )
    from plugin.people.models import Person
    from plugin.profiles import availability
    from plugin.registrars.service import add_registrar

    began = time.perf_counter()
    platforms = {p.slug: p for p in shape.lms.platforms}
    registrars = {slug: _registrar(p) for slug, p in platforms.items()}
    for slug, platform in platforms.items():
        platform.users.append(registrars[slug])
    engine = make_engine(shape.database_url)
    factory = make_session_factory(engine)
    today = date.today()
    students: list[tuple[str, str]] = []
    person_ids: list[int] = []
    try:
        with factory() as db:
            seeder = Seeder(db, shape.lms.platforms, shape.nginx_url)
            owner = seeder.actor(platforms[OWNER], platforms[OWNER].teacher)
            partner = seeder.actor(platforms[PARTNER], platforms[PARTNER].teacher)
            draft = ExchangeDraft(
                title="Soak: Leiden × Bologna",  # noqa: RUF001 (the multiplication sign)
                starts_on=today - timedelta(days=7),
                ends_on=today + timedelta(weeks=8),
                languages=("en",),
                team_size_min=4,
                team_size_max=6,
            )
            exchange = create_exchange(db, owner, draft)
            code = issue_join_code(db, owner, exchange.id).code
            decide_seat(db, owner, request_seat(db, partner, code).id, approve=True)
            set_schedule(db, owner, exchange.id, exchange.starts_on, exchange.ends_on)
            week = availability.reference_week(exchange.starts_on, today)
            teachers: dict[str, Actor] = {OWNER: owner, PARTNER: partner}
            for slug, platform in platforms.items():
                seeder.participate(teachers[slug], exchange)
                profiles = PROFILES[slug]
                for n, user in enumerate(platform.students):
                    actor = seeder.actor(platform, user)
                    seeder.participate(actor, exchange)
                    seeder.onboard(actor, profiles[n % len(profiles)], week)
                    students.append((slug, user.user_id))
                    person_ids.append(actor.person_id)
                staff = seeder.actor(platform, registrars[slug])
                person = db.get(Person, staff.person_id)
                assert person is not None
                add_registrar(db, person.id, person.institution_id)
            exchange_id = exchange.id
    finally:
        engine.dispose()
    crowd = Crowd(
        exchange_id=exchange_id,
        students=students,
        teachers={slug: p.teacher.user_id for slug, p in platforms.items()},
        registrars={slug: u.user_id for slug, u in registrars.items()},
        person_ids=person_ids,
        deciders=teachers,
        seed_seconds=round(time.perf_counter() - began, 1),
    )
    print(f"exchange of {len(students)} students seeded in {crowd.seed_seconds} s", flush=True)
    return crowd


# -- during the load -----------------------------------------------------------------------


class _FormFields(HTMLParser):
    """What a browser submits with the form whose action ends with ``action`` when its main
    button is pressed: inputs with their values (checkboxes and radios only when checked),
    each select's selected option (else its first)."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action = action
        self.inside = False
        self.fields: list[tuple[str, str]] = []
        self.select: str | None = None
        self.options: list[tuple[str, bool]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = a.get("action", "").endswith(self.action)
        elif not self.inside:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("submit", "button", "image"):
                self.fields.append((a["name"], a.get("value", "")))
        elif tag == "select" and a.get("name"):
            self.select, self.options = a["name"], []
        elif tag == "option" and self.select is not None:
            self.options.append((a.get("value", ""), "selected" in a))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select" and self.select is not None:
            chosen = next((v for v, on in self.options if on), None)
            if chosen is None and self.options:
                chosen = self.options[0][0]
            if chosen is not None:
                self.fields.append((self.select, chosen))
            self.select = None


def form_fields(html: str, action: str) -> list[tuple[str, str]]:
    parser = _FormFields(action)
    parser.feed(html)
    return parser.fields


class Browser:
    """One person's web session through nginx; every answer goes into the soak's counts."""

    def __init__(self, shape: Shape, figures: Figures) -> None:
        self.shape = shape
        self.figures = figures
        self.http = requests.Session()

    def launch(self, slug: str, user_id: str) -> bool:
        """From the demo LMS's course, as the person clicks the Tandem link."""
        self.http = requests.Session()  # a launch starts a fresh web session anyway
        try:
            page = self.http.get(
                f"{self.shape.demo_url}/{slug}/launch/{user_id}?target=window", timeout=30
            )
            form = launch_form_fields(page.text)
        except (requests.RequestException, ValueError):
            return False  # the LMS itself did not answer (its outage): not Tandem's
        landing = self.request("POST", form.pop("action"), data=form)
        return landing is not None and landing.status_code == 200

    def request(self, method: str, url: str, **options: Any) -> requests.Response | None:
        url = url if url.startswith("http") else self.shape.nginx_url + url
        try:
            answer = self.http.request(method, url, timeout=120, **options)
        except requests.RequestException as error:
            self.figures.statuses.append((time.perf_counter(), 599, False))
            if len(self.figures.samples) < 5:
                self.figures.samples.append(f"no answer {method} {url}: {type(error).__name__}")
            return None
        trace = "Traceback" in answer.text
        self.figures.statuses.append((time.perf_counter(), answer.status_code, trace))
        if answer.status_code >= 500 and len(self.figures.samples) < 5:
            self.figures.samples.append(f"{answer.status_code} {method} {url}")
        return answer


def _p(values: list[float], q: int) -> float | None:
    if len(values) < 2:
        return round(values[0] * 1000, 1) if values else None
    return round(statistics.quantiles(values, n=100)[q - 1] * 1000, 1)


@dataclass
class Staff:
    """The teachers, registrars, check-ins and note writers of one soak run."""

    shape: Shape
    figures: Figures
    crowd: Crowd
    quick: bool
    stop: threading.Event = field(default_factory=threading.Event)
    published: threading.Event = field(default_factory=threading.Event)
    signed_off: threading.Event = field(default_factory=threading.Event)
    decisions: dict[str, Any] = field(default_factory=dict)
    pages: dict[str, str] = field(default_factory=dict)
    timings: list[tuple[float, str, float, int, float]] = field(default_factory=list)
    matching: dict[str, Any] = field(default_factory=dict)
    jobs: dict[str, dict[str, Any]] = field(default_factory=dict)
    checkins: Counter[str] = field(default_factory=Counter)
    notes: Counter[str] = field(default_factory=Counter)
    threads: list[threading.Thread] = field(default_factory=list)
    note_task: asyncio.Task[None] | None = None

    def __post_init__(self) -> None:
        x = self.crowd.exchange_id
        self.pages.update(
            matching=f"/exchanges/{x}/matching",
            participants=f"/exchanges/{x}/teacher",
            completion=f"/exchanges/{x}/completion/students",
            team_health=f"/exchanges/{x}/health",
        )
        self.engine = make_engine(self.shape.database_url)
        self.sessions = make_session_factory(self.engine)

    def begin(self, rooms: list[tuple[Actor, int]], token: Callable[[Actor, int], str]) -> None:
        """Start everyone; returns at once."""
        work: list[tuple[Callable[..., None], tuple[Any, ...]]] = [
            (self.teacher, (OWNER, True)),
            (self.teacher, (PARTNER, False)),
            (self.registrar, (OWNER,)),
            (self.registrar, (PARTNER,)),
            (self.checkin_load, ()),
            (self.sign_off, ()),
        ]
        for target, args in work:
            thread = threading.Thread(target=target, args=args, daemon=True)
            thread.start()
            self.threads.append(thread)
        writers = rooms[5::5][: 20 if self.quick else 60]  # one a team, not the probe's
        self.note_task = asyncio.get_running_loop().create_task(self.note_load(writers, token))

    async def end(self) -> dict[str, object]:
        """Stop everyone (registrars finish their jobs first, within a bound); the figures."""
        self.stop.set()
        if self.note_task is not None:
            await self.note_task
        for thread in self.threads:
            await asyncio.to_thread(thread.join, 300)
        try:
            return self.report()
        finally:
            self.engine.dispose()

    # -- teachers ----------------------------------------------------------------------

    def _launched(self, browser: Browser, slug: str, user_id: str) -> bool:
        while not self.stop.is_set():
            if browser.launch(slug, user_id):
                return True
            self.stop.wait(1.0)
        return False

    def teacher(self, slug: str, matches: bool) -> None:
        browser = Browser(self.shape, self.figures)
        if not self._launched(browser, slug, self.crowd.teachers[slug]):
            return
        if matches:
            self.form_teams(browser)
        while not self.stop.is_set():
            for name, path in list(self.pages.items()):
                if self.stop.is_set():
                    break
                self.open_page(browser, name, path)
                self.stop.wait(0.5 + random.random())

    def open_page(self, browser: Browser, name: str, path: str) -> requests.Response | None:
        started = time.perf_counter()
        answer = browser.request("GET", path)
        if answer is not None:
            self.timings.append(
                (started, name, time.perf_counter() - started, answer.status_code,
                 len(answer.content) / 1000)
            )  # fmt: skip
        return answer

    def _post(self, browser: Browser, path: str, data: Any, tries: int = 5) -> Any:
        """A form sent again while it fails (as a person does after an error page)."""
        answer = None
        for _ in range(tries):
            answer = browser.request("POST", path, data=data, allow_redirects=False)
            if answer is not None and answer.status_code < 500:
                return answer
            time.sleep(2.0)
        return answer

    def form_teams(self, browser: Browser) -> None:
        """Propose with the form's presets, propose again with another seed, publish that."""
        x = self.crowd.exchange_id
        page = self.open_page(browser, "matching", f"/exchanges/{x}/matching")
        if page is None or page.status_code != 200:
            self.matching["error"] = f"rules form: {page and page.status_code}"
            return
        fields = form_fields(page.text, f"/exchanges/{x}/matching")
        started = time.perf_counter()
        made = self._post(browser, f"/exchanges/{x}/matching", fields)
        self.matching["matching_seconds"] = round(time.perf_counter() - started, 2)
        found = made is not None and made.status_code == 303 and made.headers.get("Location")
        if not found:
            self.matching["error"] = f"propose: {made and made.status_code}"
            return
        proposal = "/matching/runs/" + str(found).rsplit("/matching/runs/", 1)[-1]
        self.pages["matching_proposal"] = proposal
        shown = self.open_page(browser, "matching_proposal", proposal)
        self.matching["proposal_ok"] = shown is not None and "data-testid" in shown.text
        started = time.perf_counter()
        again = self._post(browser, proposal + "/rerun", {"seed": "1"})
        self.matching["rerun_seconds"] = round(time.perf_counter() - started, 2)
        if again is None or again.status_code != 303:
            self.matching["error"] = f"rerun: {again and again.status_code}"
            return
        teams = "/matching/runs/" + again.headers["Location"].rsplit("/matching/runs/", 1)[-1]
        started = time.perf_counter()
        done = self._post(browser, teams + "/publish", {})
        self.matching["publish_seconds"] = round(time.perf_counter() - started, 2)
        if done is None or done.status_code not in (303, 409):  # 409: the first try landed
            self.matching["error"] = f"publish: {done and done.status_code}"
            return
        self.pages["teams_list"] = teams
        self.published.set()

    def sign_off(self) -> None:
        """Once teams exist, each teacher's decisions on their students' completions
        (recorded through the use case, without the sign-off page's issuing: the registrars
        issue in bulk). Not timed as pages; it is load on the database meanwhile."""
        from plugin.completion.service import override_completion
        from plugin.errors import TandemError
        from plugin.people.models import Person

        while not self.published.is_set() and not self.stop.is_set():
            self.stop.wait(0.5)
        if not self.published.is_set():
            return
        began = time.perf_counter()
        approved = failed = 0
        with self.sessions() as db:
            institutions = {
                slug: db.scalar(select(Person.institution_id).where(Person.id == a.person_id))
                for slug, a in self.crowd.deciders.items()
            }
            homes = dict(
                db.execute(
                    select(Person.id, Person.institution_id).where(
                        Person.id.in_(self.crowd.person_ids)
                    )
                ).all()
            )
            for person_id in self.crowd.person_ids:
                slug = next(k for k, i in institutions.items() if i == homes.get(person_id))
                for _ in range(3):  # a fault (connections cut) fails one; the teacher retries
                    try:
                        override_completion(
                            db, self.crowd.deciders[slug], self.crowd.exchange_id, person_id,
                            approve=True, reason="Signed off for the soak's bulk issuing",
                        )  # fmt: skip
                        approved += 1
                        break
                    except TandemError as error:
                        db.rollback()
                        self.decisions[type(error).__name__] = error.message
                        break
                    except Exception as error:  # the database was cut: a fresh connection
                        db.rollback()
                        self.decisions["retried"] = self.decisions.get("retried", 0) + 1
                        self.decisions["last_error"] = type(error).__name__
                        time.sleep(0.5)
                else:
                    failed += 1
        self.decisions.update(approved=approved, failed=failed,
                              seconds=round(time.perf_counter() - began, 1))  # fmt: skip
        self.signed_off.set()

    # -- registrars --------------------------------------------------------------------

    def _job(self, job_id: int) -> tuple[int, int, int, bool]:
        from plugin.credentials.models import IssuingJob

        attempts = 0
        while True:  # the soak's own reading survives the terminated backends
            try:
                with self.sessions() as db:
                    job = db.get(IssuingJob, job_id)
                    assert job is not None
                    return job.total, job.done, job.failed, job.finished_at is not None
            except OperationalError:
                attempts += 1
                if attempts == 3:
                    raise
                time.sleep(0.5)

    def _bulk_issue(self, browser: Browser) -> int | None:
        console = self.open_page(browser, "registrar_console", "/registrar")
        key = REQUEST_KEY.search(console.text) if console is not None else None
        if key is None:
            return None
        form = {"exchange_id": str(self.crowd.exchange_id), "request_key": key.group(1)}
        sent = self._post(browser, "/registrar/bulk-issue", form)
        found = JOB.search(sent.headers.get("Location", "")) if sent is not None else None
        return int(found.group(1)) if found else None

    def registrar(self, slug: str) -> None:
        report: dict[str, Any] = {"resubmits": 0}
        self.jobs[slug] = report
        browser = Browser(self.shape, self.figures)
        if not self._launched(browser, slug, self.crowd.registrars[slug]):
            return
        while not self.signed_off.is_set() and not self.stop.is_set():
            self.stop.wait(0.5)  # the completions are decided first
        began = time.perf_counter()
        job_id = None
        while job_id is None and not self.stop.is_set():
            job_id = self._bulk_issue(browser)
            if job_id is None:
                self.stop.wait(2.0)
        if job_id is None:
            report["error"] = "the bulk-issue form never gave a job"
            return
        stall = 10.0 if self.quick else 90.0
        deadline = 60.0 if self.quick else 240.0  # after the load stopped
        moved, last = time.perf_counter(), -1
        stopped_at: float | None = None
        while True:
            self.open_page(browser, "job_progress", f"/registrar/jobs/{job_id}/progress")
            total, done, failed, finished = self._job(job_id)
            now = time.perf_counter()
            if finished:
                break
            if done + failed != last:
                moved, last = now, done + failed
            elif now - moved > stall:  # it stopped moving: submit the form again
                report["resubmits"] += 1
                self._bulk_issue(browser)
                moved = now
            if self.stop.is_set():
                stopped_at = stopped_at or now
                if now - stopped_at > deadline:
                    break
            time.sleep(1.0)
        report.update(job=job_id, total=total, done=done, failed=failed, finished=finished,
                      seconds=round(time.perf_counter() - began, 1))  # fmt: skip

    # -- students: check-ins and notes ---------------------------------------------------

    def checkin_load(self) -> None:
        """Students of published teams launch and answer the week's check-in; every third
        answers again later (the second answer replaces the first)."""
        while not self.published.is_set() and not self.stop.is_set():
            self.stop.wait(0.5)
        x = self.crowd.exchange_id
        chosen = random.Random(7).sample(self.crowd.students, 20 if self.quick else 80)
        again: list[Browser] = []
        for n, (slug, user_id) in enumerate(chosen):
            if self.stop.is_set():
                break
            browser = Browser(self.shape, self.figures)
            launched = False
            for _ in range(10):  # the LMS (or an app process) may be down: try again later
                launched = browser.launch(slug, user_id)
                if launched or self.stop.wait(2.0):
                    break
                self.checkins["launch_retried"] += 1
            if not launched:
                self.checkins["launch_failed"] += 1
                continue
            self._answer(browser, x)
            if n % 3 == 0:
                again.append(browser)
            if len(again) > 2:
                self._answer(again.pop(0), x)
            self.stop.wait(0.5 if self.quick else 2.0)

    def _answer(self, browser: Browser, exchange_id: int) -> None:
        path = f"/exchanges/{exchange_id}/checkin"
        form = browser.request("GET", path)
        if form is None or form.status_code != 200:
            self.checkins["failed"] += 1
            return
        scores = {k: str(random.randint(1, 5)) for k in ("teamwork", "contribute", "blockers")}
        answer = self._post(browser, path, {**scores, "comment": "soak check-in"}, tries=1)
        self.checkins["sent"] += 1
        ok = answer is not None and answer.status_code == 303
        self.checkins["accepted" if ok else "failed"] += 1

    async def note_load(
        self, writers: list[tuple[Actor, int]], token: Callable[[Actor, int], str]
    ) -> None:
        async def one(n: int, actor: Actor, room_id: int) -> None:
            writer = NoteWriter(n, token(actor, room_id), self.notes)
            try:
                await writer.connect(self.shape.nginx_url)
            except Exception:
                self.notes["connect_failed"] += 1
                return
            while not self.stop.is_set():
                await asyncio.sleep(2.0 + 2.0 * random.random())
                await writer.edit()
            await writer.client.disconnect()

        await asyncio.gather(*(one(n, a, r) for n, (a, r) in enumerate(writers)))

    # -- the figures -------------------------------------------------------------------

    def issued(self) -> tuple[int, int]:
        """(completions of the exchange with a credential, those with more than one)."""
        from plugin.completion.models import Completion
        from plugin.credentials.models import Credential

        with self.sessions() as db:
            counts = db.execute(
                select(Credential.completion_id, func.count(Credential.id))
                .join(Completion, Completion.id == Credential.completion_id)
                .where(Completion.exchange_id == self.crowd.exchange_id)
                .group_by(Credential.completion_id)
            ).all()
        return len(counts), sum(1 for _c, n in counts if n > 1)

    def report(self) -> dict[str, object]:
        outside = [t for t in self.timings if not self.figures.in_window(t[0]) and t[3] == 200]
        by_page: dict[str, dict[str, object]] = {}
        for name in sorted({t[1] for t in self.timings}):
            mine = [t for t in outside if t[1] == name]
            every = [t for t in self.timings if t[1] == name]
            by_page[name] = {
                "requests": len(every),
                "ok_outside_faults": len(mine),
                "p50_ms": _p([t[2] for t in mine], 50),
                "p99_ms": _p([t[2] for t in mine], 99),
                "kb_max": round(max((t[4] for t in every), default=0.0), 1),
                "statuses": dict(Counter(str(t[3]) for t in every)),
            }
        issued, duplicated = self.issued()
        jobs = [j for j in self.jobs.values() if "seconds" in j]
        return {
            "exchange_students": len(self.crowd.students),
            "exchange_seed_seconds": self.crowd.seed_seconds,
            "teacher_page_p99_ms": _p([t[2] for t in outside if t[1] in TEACHER_PAGES], 99),
            "teacher_page_p99_ms_by_page": {
                name: figures["p99_ms"] for name, figures in by_page.items()
            },
            "teacher_pages": by_page,
            "matching_seconds": self.matching.get("matching_seconds"),
            "matching": self.matching,
            "bulk_issue_seconds": max((j["seconds"] for j in jobs), default=None)
            if len(jobs) == len(self.jobs) and all(j["finished"] for j in jobs)
            else None,
            "bulk_issue_jobs": self.jobs,
            "completions_signed_off": self.decisions,
            "credentials_issued": issued,
            "credentials_duplicated": duplicated,
            "checkins": dict(self.checkins),
            "notes": dict(self.notes),
        }


TEACHER_PAGES = (
    "matching",
    "matching_proposal",
    "teams_list",
    "participants",
    "completion",
    "team_health",
    "registrar_console",
)


class NoteWriter:
    """One student editing the room's shared note as notes.js does: a Yjs document synced on
    every (re)connect, each edit sent as an update and acknowledged once stored."""

    def __init__(self, index: int, token: str, counts: Counter[str]) -> None:
        self.index = index
        self.token = token
        self.counts = counts
        self.doc: Doc[Any] = Doc()
        self.text = self.doc.get(ROOT, type=Text)
        self.client = PatientClient(  # room.js's reconnection settings
            reconnection=True, reconnection_delay=1, reconnection_delay_max=10
        )
        self.client.on("connect", self._on_connect, namespace=NAMESPACE)
        self.client.on("note_update", self._on_update, namespace=NAMESPACE)
        self.edits = 0

    async def connect(self, url: str) -> None:
        await self.client.connect(
            f"{url}/?affinity=note{self.index}",
            namespaces=[NAMESPACE],
            auth={"token": self.token},
            transports=["websocket"],
            wait_timeout=30,
        )

    def _on_update(self, data: dict[str, Any]) -> None:
        self.doc.apply_update(base64.b64decode(str(data.get("update", ""))))

    async def _on_connect(self) -> None:
        asyncio.get_running_loop().create_task(self.sync())

    async def sync(self) -> None:
        """What the server lacks goes up, what this copy lacks comes down."""
        state = base64.b64encode(self.doc.get_state()).decode()
        try:
            ack = await self.client.call(
                "note_sync", {"state": state}, namespace=NAMESPACE, timeout=10
            )
        except Exception:
            self.counts["sync_failed"] += 1
            return
        if not (isinstance(ack, dict) and ack.get("ok")):
            self.counts["sync_failed"] += 1
            return
        self.doc.apply_update(base64.b64decode(ack["update"]))
        missing = self.doc.get_update(base64.b64decode(ack["state"]))
        if len(missing) > 2:  # more than an empty update
            await self._send(missing)

    async def edit(self) -> None:
        before = self.doc.get_state()
        self.edits += 1
        with self.doc.transaction():
            self.text.insert(len(self.text), f"line {self.index}-{self.edits}\n")
        self.counts["edits"] += 1
        await self._send(self.doc.get_update(before))

    async def _send(self, update: bytes) -> None:
        body = {"update": base64.b64encode(update).decode()}
        try:
            ack = await self.client.call("note_update", body, namespace=NAMESPACE, timeout=10)
        except Exception:
            ack = None
        ok = isinstance(ack, dict) and ack.get("ok")
        self.counts["accepted" if ok else "failed"] += 1
        if not ok and isinstance(ack, dict):
            error = ack.get("error")
            self.counts[f"refused_{error.get('code') if isinstance(error, dict) else '?'}"] += 1


def teacher_pages_bench(
    last_json: Callable[[list[str], dict[str, str]], dict[str, Any] | str],
) -> dict[str, object]:
    """bench/teacher_pages.py --quick (the 5,000-student exchange's pages, bytes only): its
    largest page in KB, or null and the reason."""
    import os
    import sys
    from pathlib import Path

    python = str(Path(sys.executable).parent / "python")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TANDEM_")}
    found = last_json([python, "bench/teacher_pages.py", "--quick"], env)
    if isinstance(found, dict) and found.get("largest_teacher_page_kb_5000") is not None:
        return {
            "largest_teacher_page_kb_5000": found["largest_teacher_page_kb_5000"],
            "teacher_pages_kb_5000": {
                name: page.get("kb") for name, page in found.get("pages_5000", {}).items()
            },
        }
    return {
        "largest_teacher_page_kb_5000": None,
        "largest_teacher_page_kb_5000_reason": found if isinstance(found, str) else "no figure",
    }
