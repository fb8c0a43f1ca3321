"""The portal flow of a bundle, in the GOV.UK pattern: a start page, one question per page with a
back link, a check-your-answers page with change links, and a result page that prints well and
can be shared by its link (which carries only the answers, no personal data). Works without
JavaScript. Signed-in applicants can leave and resume."""

from __future__ import annotations

import datetime as dt

from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from onething.bundles import guidance
from onething.bundles.definitions import build_definition
from onething.bundles.models import Bundle, GuidanceSession
from onething.bundles.publishing import remember_answers
from onething.bundles.runner import run_guidance, where_to_go
from onething.core.models import Region


def _bundle(request, slug) -> Bundle:
    return get_object_or_404(Bundle.objects.visible_to(request.user), slug=slug)


def _session_key(slug: str) -> str:
    return f"bundle:{slug}"


def _answers(request, bundle: Bundle) -> dict:
    return dict(request.session.get(_session_key(bundle.slug), {}))


def _keep(request, bundle: Bundle, answers: dict, *, complete: bool = False) -> None:
    request.session[_session_key(bundle.slug)] = answers
    if not request.session.session_key:
        request.session.save()
    remember_answers(
        bundle=bundle, answers=answers, user=request.user,
        session_key=request.session.session_key or "", complete=complete,
    )  # fmt: skip


def bundle_list(request):
    bundles = Bundle.objects.visible_to(request.user)
    return render(
        request, "bundles/list.html",
        {
            "person": bundles.filter(audience="person"),
            "enterprise": bundles.filter(audience="enterprise"),
        },
    )  # fmt: skip


def start(request, slug: str):
    bundle = _bundle(request, slug)
    definition = build_definition(bundle.definition)
    saved = _answers(request, bundle)
    if not saved and request.user.is_authenticated:
        session = (
            GuidanceSession.objects.visible_to(request.user)
            .filter(bundle=bundle, converted_at__isnull=True, user=request.user)
            .order_by("-updated_at")
            .first()
        )
        if session and session.answers:
            request.session[_session_key(slug)] = session.answers
            saved = session.answers
    longest = max(
        (m.promised_days for m in definition.members if m.promised_unit == "working_day"), default=0
    )
    return render(
        request, "bundles/start.html",
        {"bundle": bundle, "members": definition.members, "longest": longest, "saved": bool(saved),
         "first": definition.questions[0].key},
    )  # fmt: skip


def _next_url(bundle, definition, answers) -> str:
    result = guidance.guide(
        definition, answers, today=dt.date.today(),
        add_working_days=lambda day, n: day,
    )  # fmt: skip
    if result.next_questions:
        return reverse("bundles:question", args=[bundle.slug, result.next_questions[0].key])
    return reverse("bundles:check", args=[bundle.slug])


def question(request, slug: str, key: str):
    bundle = _bundle(request, slug)
    definition = build_definition(bundle.definition)
    answers = _answers(request, bundle)
    visible, counted = guidance.shown(definition, answers)
    current = next((q for q in visible if q.key == key), None)
    if current is None:
        if any(q.key == key for q in definition.questions):
            return redirect(_next_url(bundle, definition, counted))
        raise Http404
    error = ""
    if request.method == "POST":
        try:
            value = guidance.parse_answer(current, request.POST.getlist("answer"))
            if current.kind == "region" and not Region.objects.filter(code=value).exists():
                raise guidance.AnswerInvalid("请选择有效的行政区划")
        except guidance.AnswerInvalid as exc:
            error = str(exc)
        else:
            answers[key] = value
            _keep(request, bundle, answers)
            if request.GET.get("change"):
                return redirect("bundles:check", slug)
            return redirect(_next_url(bundle, definition, answers))
    index = [q.key for q in visible].index(key)
    back = (
        reverse("bundles:question", args=[slug, visible[index - 1].key])
        if index
        else reverse("bundles:start", args=[slug])
    )
    if request.GET.get("change"):
        back = reverse("bundles:check", args=[slug])
    current_value = answers.get(key)
    return render(
        request, "bundles/question.html",
        {"bundle": bundle, "question": current, "error": error, "back": back,
         "number": index + 1, "total": len(visible),
         "chosen": guidance.answer_to_query(current, current_value) if key in answers else [],
         "towns": Region.objects.filter(parent__code="430112", level="town", valid_to__isnull=True)
         if current.kind == "region" else []},
        status=422 if error else 200,
    )  # fmt: skip


def check(request, slug: str):
    bundle = _bundle(request, slug)
    definition = build_definition(bundle.definition)
    answers = _answers(request, bundle)
    visible, counted = guidance.shown(definition, answers)
    result = guidance.guide(
        definition, counted, today=dt.date.today(),
        add_working_days=lambda day, n: day,
    )  # fmt: skip
    if result.next_questions:
        return redirect("bundles:question", slug, result.next_questions[0].key)
    rows = [(q, guidance.answer_label(q, counted[q.key])) for q in visible if q.key in counted]
    return render(
        request, "bundles/check.html",
        {"bundle": bundle, "rows": rows, "result_url": _result_url(bundle, definition, counted)},
    )  # fmt: skip


def _result_url(bundle, definition, answers) -> str:
    query = QueryDict(mutable=True)
    for q in definition.questions:
        if q.key in answers:
            query.setlist(q.key, guidance.answer_to_query(q, answers[q.key]))
    return f"{reverse('bundles:result', args=[bundle.slug])}?{query.urlencode()}"


def result(request, slug: str):
    """The result for the answers in the link: shareable, and the same for anyone who opens it
    (materials the registries supply are checked only for the signed-in applicant)."""
    bundle = _bundle(request, slug)
    definition = build_definition(bundle.definition)
    answers = {}
    for q in definition.questions:
        if q.key in request.GET:
            try:
                answers[q.key] = guidance.parse_answer(q, request.GET.getlist(q.key))
            except guidance.AnswerInvalid:
                continue  # a damaged link: the question is simply asked again
    _, outcome = run_guidance(bundle, answers, request.user)
    if not outcome.complete:
        request.session[_session_key(slug)] = outcome.answers
        first = (
            outcome.next_questions[0].key if outcome.next_questions else definition.questions[0].key
        )
        return redirect("bundles:question", slug, first)
    if request.session.get(_session_key(slug)) == outcome.answers:
        _keep(request, bundle, outcome.answers, complete=True)
    return render(
        request, "bundles/result.html",
        {"bundle": bundle, "result": outcome, "share_url": request.build_absolute_uri(),
         "where": where_to_go(outcome),
         "signed_in": request.user.is_authenticated and request.user.is_applicant},
    )  # fmt: skip
