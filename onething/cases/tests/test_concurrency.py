"""Two people acting on one case at once: exactly one wins, the other gets a clear conflict
(HTTP 409, code "conflict") and nothing of theirs is written."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.db.models import F
from django.utils import timezone

from onething.cases import services
from onething.cases.models import Case, CaseEvent, Notice
from onething.cases.workflow import State
from onething.core.errors import Conflict
from onething.core.models import AuditEntry, Role

from .factories import RECHECK, act, make_staff, only_case, submit


def _footprint(case: Case) -> tuple:
    case.refresh_from_db()
    return (
        case.state,
        case.version,
        case.accepted_on,
        CaseEvent.objects.filter(case=case).count(),
        Notice.objects.filter(case=case).count(),
        AuditEntry.objects.filter(object_type="cases.case", object_id=str(case.pk)).count(),
    )


@pytest.mark.django_db
def test_the_second_of_two_staff_with_the_same_version_gets_a_conflict(users):
    clerk = make_staff("scjg-clerk", Role.CLERK, department="SCJG")
    reviewer = users["reviewer"]
    case = only_case(submit(users["citizen"], code=RECHECK))
    today = timezone.localdate()
    # Both open the case page and see the same version.
    seen_by_clerk = Case.objects.visible_to(clerk).get(pk=case.pk).version
    seen_by_reviewer = Case.objects.visible_to(reviewer).get(pk=case.pk).version
    assert seen_by_clerk == seen_by_reviewer

    accepted = services.perform(
        case_id=case.pk, action="accept", actor=clerk, expected_version=seen_by_clerk, today=today
    )
    assert accepted.state == State.ACCEPTED
    after_first = _footprint(case)

    with pytest.raises(Conflict) as raised:
        services.perform(
            case_id=case.pk,
            action="request-correction",
            actor=reviewer,
            data={"problems": [{"item": "复检申请书", "problem": "未签字"}]},
            expected_version=seen_by_reviewer,
            today=today,
        )
    assert raised.value.status == 409
    assert raised.value.code == "conflict"
    assert "他人" in raised.value.message
    assert _footprint(case) == after_first
    assert not Notice.objects.filter(case=case, kind="correction").exists()

    # With the version they now see, the reviewer can go on.
    case.refresh_from_db()
    services.perform(
        case_id=case.pk, action="review", actor=reviewer, expected_version=case.version,
        today=today,
    )  # fmt: skip


@pytest.mark.django_db
def test_the_same_accept_twice_with_one_version_happens_once(users):
    clerk = make_staff("scjg-clerk", Role.CLERK, department="SCJG")
    case = only_case(submit(users["citizen"], code=RECHECK))
    version = case.version
    today = timezone.localdate()
    services.perform(
        case_id=case.pk, action="accept", actor=clerk, expected_version=version, today=today
    )
    with pytest.raises(Conflict):
        services.perform(
            case_id=case.pk,
            action="accept",
            actor=users["reviewer"],
            expected_version=version,
            today=today,
        )
    assert Notice.objects.filter(case=case, kind="acceptance").count() == 1
    assert CaseEvent.objects.filter(case=case, action="accept").count() == 1


@pytest.mark.django_db
def test_a_change_between_reading_and_writing_is_a_conflict(users, monkeypatch):
    """Without an expected version: someone else writes the case after perform read it and
    before it writes. The conditional update notices, and nothing of the loser is kept."""
    case = only_case(submit(users["citizen"], code=RECHECK))
    today = timezone.localdate()
    before = _footprint(case)
    real_check = services._check_inputs

    def someone_else_writes_first(transition, read_case, data):
        Case.objects.filter(pk=read_case.pk).update(version=F("version") + 1)
        return real_check(transition, read_case, data)

    monkeypatch.setattr(services, "_check_inputs", someone_else_writes_first)
    with pytest.raises(Conflict) as raised:
        act(case, "accept", users["reviewer"], today)
    assert raised.value.code == "conflict"
    state, version, accepted_on, events, notices, audits = _footprint(case)
    assert (state, accepted_on, events, notices, audits) == (
        before[0],
        before[2],
        before[3],
        before[4],
        before[5],
    )
    assert version == before[1] + 1  # only the other writer's change


@pytest.mark.django_db
def test_a_conflict_in_delivery_leaves_every_case_as_it_was(users, monkeypatch):
    """Delivery concludes all cases of an application; if one of them changed meanwhile,
    none is concluded."""
    case = only_case(submit(users["citizen"], code=RECHECK, delivery="pickup"))
    today = timezone.localdate()
    clerk = make_staff("scjg-clerk", Role.CLERK, department="SCJG")
    case = act(case, "accept", clerk, today)
    case = act(case, "approve", users["reviewer"], today)
    before = _footprint(case)
    real_check = services._check_delivery

    def someone_else_writes_first(read_case):
        real_check(read_case)
        Case.objects.filter(pk=read_case.pk).update(version=F("version") + 1)

    monkeypatch.setattr(services, "_check_delivery", someone_else_writes_first)
    with pytest.raises(Conflict):
        act(case, "deliver", clerk, today, method="pickup")
    after = _footprint(case)
    assert after[0] == State.APPROVED
    assert after[3:] == before[3:]
    case.application.refresh_from_db()
    assert case.application.delivered_at is None


# --- A real race, on PostgreSQL -------------------------------------------------------------------


@pytest.fixture(scope="module")
def _restore_district(django_db_blocker):
    """A transactional test empties every table when it ends; load the session's demo district
    again so the tests after it find it."""
    yield
    with django_db_blocker.unblock():
        from onething.core.models import User

        if not User.objects.filter(username="admin").exists():
            from conftest import load_test_district

            load_test_district()


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="a real two-connection race needs PostgreSQL"
)
@pytest.mark.django_db(transaction=True)
def test_two_reviewers_approving_at_once_exactly_one_wins(_restore_district, users):
    from onething.core.models import User

    citizen = User.objects.get(username="citizen")
    reviewer = User.objects.get(username="reviewer")
    admin = User.objects.get(username="dept-admin")
    clerk = make_staff("scjg-clerk-race", Role.CLERK, department="SCJG")
    case = only_case(submit(citizen, code=RECHECK))
    today = timezone.localdate()
    case = act(case, "accept", clerk, today)
    case = act(case, "review", reviewer, today)

    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def approve(actor):
        from django.db import connection as thread_connection

        try:
            barrier.wait(timeout=10)
            services.perform(case_id=case.pk, action="approve", actor=actor, today=today)
            outcomes[actor.username] = "approved"
        except Exception as exc:
            outcomes[actor.username] = exc
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=approve, args=(who,)) for who in (reviewer, admin)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)

    results = list(outcomes.values())
    assert results.count("approved") == 1, outcomes
    [loser] = [r for r in results if r != "approved"]
    assert isinstance(loser, Conflict), outcomes
    assert loser.code == "conflict"
    case.refresh_from_db()
    assert case.state in (State.APPROVED, State.CONCLUDED)
    assert CaseEvent.objects.filter(case=case, action="approve").count() == 1
    assert Notice.objects.filter(case=case, kind="approval").count() == 1
