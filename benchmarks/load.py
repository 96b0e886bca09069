"""The mixed load, with Locust: coordinators (overview, search, plan edits, a results export now and then), host
mentors on their links (progress notes, observation notes, small uploads, ratings), learners (their assessment,
self-assessment after the start, downloads, a login now and then) and employers (verification), in the proportions
of ``WEIGHTS``. Each user acts every ``PACE`` seconds on average, at random moments, so the users' requests arrive
as independent people's do (a Poisson stream at the offered rate) — not in step, as users started together and
paced at a fixed interval would, which queued every step's requests in bursts. The load rises step by step and each
step is measured after its users have started. Prints one JSON line a step.

Usage: python benchmarks/load.py URL PEOPLE.json --users 10,20,40 [--seconds 15]
PEOPLE.json (written by ``capacity.py``) holds the tokens and ids the users act with."""

from __future__ import annotations

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402 - after gevent's patching, as Locust requires
import io  # noqa: E402
import itertools  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import gevent  # noqa: E402
from locust import HttpUser, events, task  # noqa: E402
from locust.env import Environment  # noqa: E402
from PIL import Image  # noqa: E402

API = "/api/v1"
PACE = 2.0  # seconds between one user's actions
WEIGHTS = {"Coordinator": 2, "Mentor": 4, "Learner": 4, "Employer": 2}
PEOPLE: dict[str, Any] = {}


def random_pacing(mean: float) -> Any:
    """A wait time that starts a user's actions at exponentially distributed intervals of ``mean`` seconds, counted
    from the start of the previous action (its response time included)."""

    def wait_time(user: Any) -> float:
        now = time.perf_counter()
        since_start = now - getattr(user, "_action_started", now)
        wait = max(0.0, random.expovariate(1 / mean) - since_start)
        user._action_started = now + wait
        return wait

    return wait_time


def _photo() -> bytes:
    """A 20 kB phone photo of a paper log (noise, so it does not compress away)."""
    picture = Image.frombytes("RGB", (120, 120), random.Random(1).randbytes(120 * 120 * 3))
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=85)
    return out.getvalue()


PHOTO = _photo()
_turns = itertools.count()


def _next(kind: str) -> dict[str, Any]:
    """The next prepared person of this kind (users share them round-robin)."""
    found = PEOPLE[kind]
    return dict(found[next(_turns) % len(found)])


class _User(HttpUser):
    abstract = True
    wait_time = random_pacing(PACE)
    people = ""  # which prepared people the user acts as (none: an anonymous visitor)
    token = ""
    me: dict[str, Any]

    def on_start(self) -> None:
        gevent.sleep(random.uniform(0, PACE))  # users who arrive together do not act together
        if self.people:
            self.me = _next(self.people)
            self.token = self.me["token"]

    def api(self, method: str, path: str, name: str, **kwargs: Any) -> Any:
        return self.call(method, API + path, name, **kwargs)

    def call(self, method: str, url: str, name: str, **kwargs: Any) -> Any:
        """A request, counted as failed when refused (4xx) or failed (5xx)."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        with self.client.request(method, url, name=name, headers=headers, catch_response=True, **kwargs) as r:
            if r.status_code >= 400:
                r.failure(f"{r.status_code}: {r.text[:200]}")
            return r


class Coordinator(_User):
    weight = WEIGHTS["Coordinator"]
    people = "coordinators"

    @task(6)
    def overview(self) -> None:
        self.api("GET", "/overview?limit=50&show=missing", "coordinator: overview")

    @task(3)
    def search(self) -> None:
        self.api(
            "GET", f"/overview?q={random.choice(['berz', 'kaln', 'ozol', 'hotel 0', 'G0'])}", "coordinator: search"
        )

    @task(2)
    def edit_plan(self) -> None:
        mobility, number, outcome = random.choice(self.me["drafts"])
        body = {
            "text": {"lv": f"Pieņem rezervācijas sistēmā ({random.randint(1, 99)})", "en": "Takes bookings"},
            "competences": [{"competence": "3.1", "target_level": 3}],
            "criteria": {"lv": "Mentors novēro", "en": "Observed by the mentor"},
            "methods": ["observation"],
        }
        path = f"/mobilities/{mobility}/plan/versions/{number}/outcomes/{outcome}"
        self.api("PUT", path, "coordinator: edit a draft outcome", json=body)

    @task(1)
    def mobility(self) -> None:
        mobility, *_ = random.choice(self.me["drafts"])
        self.api("GET", f"/mobilities/{mobility}/plan", "coordinator: a plan")

    @task(1)
    def export(self) -> None:
        if random.random() < 0.2:  # a report now and then
            self.api("GET", "/overview/results?format=csv", "coordinator: results export (CSV)")


class Mentor(_User):
    weight = WEIGHTS["Mentor"]
    people = "mentors"

    @task(3)
    def assessment(self) -> None:
        self.api("GET", f"/mobilities/{self.me['mobility']}/assessment", "mentor: assessment")

    @task(2)
    def progress(self) -> None:
        body = {"text": "Worked the evening shift's bookings on her own this week."}
        self.api("POST", f"/mobilities/{self.me['mobility']}/progress-reports", "mentor: progress note", json=body)

    @task(2)
    def note(self) -> None:
        path = f"/mobilities/{self.me['mobility']}/assessment/outcomes/{random.choice(self.me['outcomes'])}/notes"
        body = {"title": "Observation", "text": "Answered two guests' e-mails without help."}
        self.api("POST", path, "mentor: observation note", json=body)

    @task(1)
    def upload(self) -> None:
        path = f"/mobilities/{self.me['mobility']}/assessment/outcomes/{random.choice(self.me['outcomes'])}/evidence"
        files = {"file": ("log.jpg", PHOTO, "image/jpeg")}
        self.api("POST", path, "mentor: upload (20 kB)", files=files, data={"title": "Temperature log"})

    @task(2)
    def rate(self) -> None:
        rated = random.choice(self.me["targets"][:2])  # the outcomes documented so far
        path = f"/mobilities/{self.me['mobility']}/assessment/targets/{rated}/rating"
        body = {"level": random.choice([3, 4]), "justification": "Seen over three weeks at the reception."}
        self.api("PUT", path, "mentor: rating", json=body)


class Learner(_User):
    weight = WEIGHTS["Learner"]
    people = "learners"

    @task(3)
    def assessment(self) -> None:
        self.api("GET", f"/mobilities/{self.me['mobility']}/assessment", "learner: assessment")

    @task(2)
    def progress(self) -> None:
        self.api("GET", f"/mobilities/{self.me['mobility']}/progress", "learner: progress")

    @task(2)
    def self_assess(self) -> None:
        path = f"/mobilities/{self.me['mobility']}/assessment/targets/{random.choice(self.me['targets'])}"
        self.api("PUT", f"{path}/self-assessment/after", "learner: self-assessment", json={"level": 3})

    @task(1)
    def download(self) -> None:
        path = f"/mobilities/{self.me['mobility']}/plan/versions/1/agreement.pdf"
        self.api("GET", path, "learner: learning agreement (PDF)")

    @task(1)
    def login(self) -> None:
        if random.random() < 0.1:  # sessions last; a login now and then
            body = {"email": self.me["email"], "password": PEOPLE["password"]}
            self.api("POST", "/auth/token", "learner: login", json=body)


class Employer(_User):
    weight = WEIGHTS["Employer"]

    @task(2)
    def verify_page(self) -> None:
        self.call("GET", f"/verify/{random.choice(PEOPLE['certificates'])}", "employer: verification page")

    @task(1)
    def verify_api(self) -> None:
        self.api("GET", f"/certificates/{random.choice(PEOPLE['certificates'])}/verification", "employer: verification")


def measure(env: Environment, users: int, warm: float, seconds: float) -> dict[str, Any]:
    """Run ``users`` users: let them start and settle for ``warm`` seconds, then measure for ``seconds``."""
    assert env.runner is not None
    env.runner.start(users, spawn_rate=max(users, 1))
    gevent.sleep(warm)
    env.stats.reset_all()
    started = time.perf_counter()
    gevent.sleep(seconds)
    elapsed = time.perf_counter() - started
    total = env.stats.total
    slowest = sorted(env.stats.entries.values(), key=lambda e: e.get_response_time_percentile(0.95), reverse=True)
    return {
        "users": users,
        "requests": total.num_requests,
        "rate": round(total.num_requests / elapsed, 1),
        "failures": total.num_failures,
        "p50": total.get_response_time_percentile(0.5),
        "p95": total.get_response_time_percentile(0.95),
        "p99": total.get_response_time_percentile(0.99),
        "slowest": [[e.name, e.get_response_time_percentile(0.95)] for e in slowest[:3]],
        "endpoints": {
            e.name: [e.num_requests, e.get_response_time_percentile(0.5), e.get_response_time_percentile(0.95)]
            for e in env.stats.entries.values()
        },
        "errors": sorted({f"{e.name}: {str(e.error)[:160]}" for e in env.stats.errors.values()})[:5],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("people", type=Path)
    parser.add_argument("--users", default="10,20,40")
    parser.add_argument("--warm", type=float, default=4.0)
    parser.add_argument("--seconds", type=float, default=12.0)
    parser.add_argument("--until-p95", type=float, default=0.0, help="stop after two steps in a row over this p95 (ms)")
    args = parser.parse_args()
    PEOPLE.update(json.loads(args.people.read_text()))
    env = Environment(user_classes=[Coordinator, Mentor, Learner, Employer], host=args.url, events=events)
    env.create_local_runner()
    over = 0
    for users in (int(n) for n in args.users.split(",")):
        step = measure(env, users, args.warm, args.seconds)
        print(json.dumps(step), flush=True)
        over = over + 1 if args.until_p95 and step["p95"] > args.until_p95 else 0
        if over == 2:  # two steps in a row over: more users will not do better
            break
    assert env.runner is not None
    env.runner.quit()


if __name__ == "__main__":
    main()
