"""docs/cases-lifecycle.md, generated from the transition table (`manage.py cases_diagram`)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from onething.cases.workflow import DECIDER, STAFF, SYSTEM, TRANSITIONS, State, mermaid

DOC = Path(settings.BASE_DIR) / "docs" / "cases-lifecycle.md"
ACTORS = {
    STAFF: "办理部门（乡镇街道）工作人员",
    DECIDER: "审核人员、部门管理员（乡镇街道窗口人员办理本乡镇事项）",
    "applicant": "申请人（或为其代办的工作人员）",
    SYSTEM: "系统自动",
}


def render() -> str:
    lines = [
        "# 办件生命周期（由 `onething/cases/workflow.py` 生成，请勿手改）",
        "",
        "Regenerate with `.venv/bin/python manage.py cases_diagram`; a test fails when this file",
        "and the transition table disagree.",
        "",
        "```mermaid",
        mermaid().rstrip(),
        "```",
        "",
        "| 操作 (API action) | 从 | 到 | 谁 | 须填写 | 文书 | 依据 |",
        "|---|---|---|---|---|---|---|",
    ]
    for t in TRANSITIONS.values():
        sources = "、".join(State(s).label for s in sorted(t.sources))
        target = State(t.target).label if t.target else "（不变）"
        lines.append(
            f"| {t.label} (`{t.action}`) | {sources} | {target} | {ACTORS[t.actor]} "
            f"| {'、'.join(t.needs) or '—'} | {t.notice or '—'} | {t.basis or '—'} |"
        )
    return "\n".join(lines) + "\n"
