"""The case lifecycle: one declared transition table. Services look actions up here; the state
diagram in docs/cases-lifecycle.md is generated from it (`manage.py cases_diagram`)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models


class State(models.TextChoices):
    SUBMITTED = "submitted", "待预审"
    CORRECTION = "correction", "待补正"
    ACCEPTED = "accepted", "已受理"
    UNDER_REVIEW = "under_review", "审查中"
    SUSPENDED = "suspended", "特别程序中"
    APPROVED = "approved", "已准予，待送达"
    DENIED = "denied", "不予许可，待送达"
    CONCLUDED = "concluded", "已办结"
    REFUSED = "refused", "不予受理"
    WITHDRAWN = "withdrawn", "已撤回"
    REVOKED = "revoked", "已撤销"


TERMINAL = frozenset({State.CONCLUDED, State.REFUSED, State.WITHDRAWN, State.REVOKED})
UNDECIDED = frozenset(
    {State.SUBMITTED, State.CORRECTION, State.ACCEPTED, State.UNDER_REVIEW, State.SUSPENDED}
)

# Who may act. "staff" means staff of the case's department or town; "decider" staff who may
# decide (reviewers and department administrators; in a town, its clerks too); "applicant" the
# applicant or whoever submitted for them; "system" the platform itself.
STAFF, DECIDER, APPLICANT, SYSTEM = "staff", "decider", "applicant", "system"


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    sources: frozenset[str]
    target: str | None  # None: stays in its state (extension)
    actor: str
    needs: tuple[str, ...] = ()  # input fields the action requires
    notice: str = ""  # Notice.Kind issued
    basis: str = ""


def _t(action, label, sources, target, actor, needs=(), notice="", basis="") -> Transition:
    return Transition(action, label, frozenset(sources), target, actor, needs, notice, basis)


S = State
TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        _t("accept", "受理", [S.SUBMITTED], S.ACCEPTED, STAFF, notice="acceptance",
           basis="《中华人民共和国行政许可法》第三十二条"),
        _t("request-correction", "一次性告知补正", [S.SUBMITTED], S.CORRECTION, STAFF,
           needs=("problems",), notice="correction",
           basis="《中华人民共和国行政许可法》第三十二条"),
        _t("resubmit", "提交补正材料", [S.CORRECTION], S.SUBMITTED, APPLICANT),
        _t("refuse", "不予受理", [S.SUBMITTED, S.CORRECTION], S.REFUSED, STAFF,
           needs=("reasons", "remedies"), notice="refusal",
           basis="《中华人民共和国行政许可法》第三十二条"),
        _t("review", "开始审查", [S.ACCEPTED], S.UNDER_REVIEW, DECIDER),
        _t("suspend", "启动特别程序", [S.ACCEPTED, S.UNDER_REVIEW], S.SUSPENDED, DECIDER,
           needs=("procedure", "reason", "expected_days"), notice="special",
           basis="《中华人民共和国行政许可法》第四十五条"),
        _t("resume", "特别程序结束，恢复审查", [S.SUSPENDED], S.UNDER_REVIEW, DECIDER),
        _t("extend", "延长审查期限", [S.ACCEPTED, S.UNDER_REVIEW, S.SUSPENDED], None, DECIDER,
           needs=("reason",), notice="extension",
           basis="《中华人民共和国行政许可法》第四十二条"),
        _t("approve", "准予", [S.ACCEPTED, S.UNDER_REVIEW], S.APPROVED, DECIDER,
           notice="approval", basis="《中华人民共和国行政许可法》第三十八条"),
        _t("deny", "不予", [S.ACCEPTED, S.UNDER_REVIEW], S.DENIED, DECIDER,
           needs=("reasons", "remedies"), notice="denial",
           basis="《中华人民共和国行政许可法》第三十八条"),
        _t("deliver", "送达并办结", [S.APPROVED, S.DENIED], S.CONCLUDED, STAFF,
           needs=("method",), basis="《中华人民共和国行政许可法》第四十四条"),
        _t("withdraw", "撤回申请", sorted(UNDECIDED), S.WITHDRAWN, APPLICANT),
        _t("deem-accept", "视为受理", [S.SUBMITTED], S.ACCEPTED, SYSTEM,
           basis="《中华人民共和国行政许可法》第三十二条：逾期不告知补正的，自收到申请材料之日起即为受理"),
        _t("revoke", "撤销（承诺不实）", [S.APPROVED, S.CONCLUDED], S.REVOKED, DECIDER,
           needs=("finding",), notice="revocation",
           basis="国办发〔2020〕42号：承诺不实的，依法撤销相关决定"),
    ]
}  # fmt: skip

# Actions a person may trigger through the API path /cases/{id}/{action}.
API_ACTIONS = tuple(a for a, t in TRANSITIONS.items() if t.actor != SYSTEM and a != "revoke")


def allowed_from(state: str) -> list[Transition]:
    return [t for t in TRANSITIONS.values() if state in t.sources]


def mermaid() -> str:
    """The lifecycle as a Mermaid state diagram."""
    lines = ["stateDiagram-v2"]
    for state in State:
        lines.append(f"    {state.value}: {state.label}")
    lines.append("    [*] --> submitted: 提交申请")
    lines.append("    [*] --> concluded: 秒批、即办")
    lines.append("    [*] --> approved: 告知承诺")
    for t in TRANSITIONS.values():
        for source in sorted(t.sources):
            target = t.target or source
            lines.append(f"    {source} --> {target}: {t.label}")
    for state in sorted(TERMINAL):
        lines.append(f"    {state} --> [*]")
    return "\n".join(lines) + "\n"
