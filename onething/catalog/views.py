"""Catalog pages: portal search, the service guide (page, PDF, QR), versions; staff editing,
Excel import/export and drafts; the bureau's reports."""

from __future__ import annotations

import datetime as dt
import io

import segno
from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_POST

from onething.catalog import excel, reports, selectors, services
from onething.catalog.models import ItemDraft, ItemKind, ServiceItem
from onething.catalog.search import SearchFilters, load_items, search_items
from onething.catalog.validation import item_defects, item_problems
from onething.core.access import role_required
from onething.core.errors import ServiceError
from onething.core.models import Department, Region, Role

EDITORS = services.EDITOR_ROLES
BUREAU = (Role.SUPERVISOR, Role.SYSADMIN)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class SearchForm(forms.Form):
    q = forms.CharField(label="搜索办事事项", required=False, max_length=40)
    department = forms.ChoiceField(label="部门", required=False)
    town = forms.ChoiceField(label="乡镇街道", required=False)
    kind = forms.ChoiceField(label="事项类型", required=False)
    audience = forms.ChoiceField(
        label="服务对象",
        required=False,
        choices=[("", "全部"), ("person", "个人办事"), ("enterprise", "企业办事")],
    )
    online_depth = forms.TypedChoiceField(
        label="网办深度",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "全部"), ("3", "可网上办理（Ⅲ级及以上）"), ("4", "全程网办（Ⅳ级）")],
    )
    topic = forms.CharField(label="主题", required=False, max_length=20)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [("", "全部部门")] + [
            (d.code, d.name) for d in Department.objects.all()
        ]
        self.fields["town"].choices = [("", "全部乡镇街道")] + [
            (t.code, t.name)
            for t in Region.objects.filter(
                level="town", parent__code="430112", valid_to__isnull=True
            )
        ]
        self.fields["kind"].choices = [("", "全部类型")] + [
            (k.code, k.name) for k in ItemKind.objects.filter(on_application=True)
        ]


def search(request):
    form = SearchForm(request.GET)
    hits, page = [], None
    if form.is_valid():
        data = dict(form.cleaned_data)
        query = data.pop("q")
        hits = search_items(
            selectors.portal_items(request.user),
            query,
            SearchFilters(
                **{k: v or ("" if k != "online_depth" else None) for k, v in data.items()}
            ),
        )
        page = Paginator(hits, 20).get_page(request.GET.get("page"))
        load_items(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "catalog/search.html",
        {"form": form, "page": page, "count": len(hits), "query": query.urlencode()},
    )


def _published(request, code) -> ServiceItem:
    item = selectors.item_detail(request.user, code)
    if item is None:
        raise Http404
    return item


def _guide_context(request, item: ServiceItem) -> dict:
    url = request.build_absolute_uri(reverse("catalog:guide", args=[item.implementation_code]))
    return {
        "item": item,
        "page_url": url,
        "qr": segno.make(url, error="m").svg_data_uri(scale=3, dark="#000"),
        "version": item.current_version,
    }


def guide(request, code: str):
    item = _published(request, code)
    return render(request, "catalog/guide.html", _guide_context(request, item))


def guide_pdf(request, code: str):
    """The guide as a PDF with embedded CJK fonts (WeasyPrint, Noto Sans CJK)."""
    import weasyprint

    item = _published(request, code)
    html = render_to_string("catalog/guide_pdf.html", _guide_context(request, item), request)
    # The guide embeds only data: URIs (the QR code); it never fetches a file or a URL.
    fetcher = weasyprint.urls.URLFetcher(allowed_protocols={"data"})
    pdf = weasyprint.HTML(string=html, url_fetcher=fetcher).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="guide-{item.implementation_code}.pdf"'
    return response


def versions(request, code: str):
    item = _published(request, code)
    return render(
        request,
        "catalog/versions.html",
        {"item": item, "versions": selectors.item_versions(request.user, item)},
    )


def version_detail(request, code: str, number: int):
    item = _published(request, code)
    version = selectors.item_versions(request.user, item).filter(number=number).first()
    if version is None:
        raise Http404
    return render(request, "catalog/version.html", {"item": item, "version": version})


def delegations(request, to: str):
    """The published list of powers delegated to the park or a town (赋权事项目录)."""
    unit = Department.objects.filter(code=to).first() or Region.objects.filter(code=to).first()
    if unit is None:
        raise Http404
    return render(
        request,
        "catalog/delegations.html",
        {"unit": unit, "delegations": selectors.delegations(request.user, to)},
    )


# --- Staff: the unit's items, drafts, Excel ---------------------------------------------------


def _own_items(user):
    items = selectors.published_items(user)
    if user.department_id:
        return items.filter(department_id=user.department_id)
    return items.filter(department__isnull=True).filter(
        Q(region_id=user.town_id) | Q(region__parent_id=user.town_id)
    )


class ImportForm(forms.Form):
    workbook = forms.FileField(label="Excel 文件（.xlsx）")


@role_required(*EDITORS, Role.SUPERVISOR)
def workbench(request):
    user = request.user
    items = _own_items(user) if user.role in EDITORS else ServiceItem.objects.none()
    drafts = ItemDraft.objects.visible_to(user).exclude(status=ItemDraft.Status.PUBLISHED)
    return render(
        request,
        "catalog/workbench.html",
        {
            "items": items.order_by("name")[:500],
            "item_count": items.count(),
            "drafts": drafts.select_related("created_by")[:200],
            "import_form": ImportForm(),
        },
    )


@role_required(*EDITORS)
def export_workbook(request):
    items = _own_items(request.user).prefetch_related("handling_items__materials")
    content = excel.export_items([services.item_to_data(i) for i in items])
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="catalog-{dt.date.today()}.xlsx"'
    return response


@role_required(*EDITORS)
@require_POST
def import_workbook(request):
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "请选择要导入的 Excel 文件")
        return redirect("catalog:workbench")
    upload = form.cleaned_data["workbook"]
    if upload.size > 10 * 1024 * 1024:
        messages.error(request, "文件不能超过 10 MB")
        return redirect("catalog:workbench")
    try:
        drafts = services.import_drafts(actor=request.user, content=upload.read(), request=request)
    except excel.ImportInvalid as error:
        return render(request, "catalog/import_errors.html", {"errors": error.errors}, status=422)
    messages.success(request, f"已导入 {len(drafts)} 个事项草稿，请逐一提交审核")
    return redirect("catalog:workbench")


class EditForm(forms.Form):
    name = forms.CharField(label="事项名称", max_length=200)
    conditions = forms.CharField(
        label="受理条件", widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    promised_days = forms.IntegerField(label="承诺时限（天）", min_value=0)
    visits = forms.IntegerField(label="到现场次数", min_value=0)
    online_depth = forms.TypedChoiceField(
        label="网办深度", coerce=int, choices=ServiceItem.OnlineDepth.choices
    )
    place = forms.CharField(label="办理地点", max_length=300, required=False)
    hours = forms.CharField(label="办理时间", max_length=300, required=False)
    phone = forms.CharField(label="咨询电话", max_length=40, required=False)
    note = forms.CharField(label="修订说明", max_length=300)


@role_required(*EDITORS)
def edit_item(request, code: str):
    item = _own_items(request.user).filter(implementation_code=code).first()
    if item is None:
        raise Http404
    data = services.item_to_data(item)
    initial = {
        k: data[k]
        for k in ("name", "conditions", "visits", "online_depth", "place", "hours", "phone")
    }
    initial["promised_days"] = data["promised_limit"]["days"]
    form = EditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        changes = dict(form.cleaned_data)
        note = changes.pop("note")
        data["promised_limit"]["days"] = changes.pop("promised_days")
        data.update(changes)
        try:
            draft = services.save_draft(
                actor=request.user, item=item, data=data, note=note, request=request
            )
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "已保存为草稿")
            return redirect("catalog:draft", draft.pk)
    return render(request, "catalog/edit.html", {"item": item, "form": form})


@role_required(*EDITORS, Role.SUPERVISOR, Role.SYSADMIN)
def draft_detail(request, pk: int):
    draft = (
        ItemDraft.objects.visible_to(request.user)
        .select_related("item", "created_by")
        .filter(pk=pk)
        .first()
    )
    if draft is None:
        raise Http404
    return render(
        request,
        "catalog/draft.html",
        {
            "draft": draft,
            "problems": item_problems(draft.data),
            "defects": item_defects(draft.data),
            "can_edit": request.user.role in EDITORS,
            "can_publish": request.user.role in services.PUBLISHER_ROLES,
        },
    )


@role_required(*EDITORS, Role.SUPERVISOR)
@require_POST
def draft_action(request, pk: int, action: str):
    actions = {
        "submit": services.submit_draft,
        "reject": services.reject_draft,
        "publish": services.publish_draft,
    }
    if action not in actions:
        raise Http404
    try:
        result = actions[action](actor=request.user, draft_id=pk, request=request)
    except ServiceError as error:
        messages.error(request, error.message)
        for field, message in list(error.fields.items())[:20]:
            messages.error(request, f"{field}：{message}")
        return redirect("catalog:draft", pk)
    labels = {"submit": "已提交审核", "reject": "已退回", "publish": "已发布新版本"}
    messages.success(request, labels[action])
    if isinstance(result, ServiceItem):
        return redirect("catalog:versions", result.implementation_code)
    return redirect("catalog:draft", pk)


# --- The bureau's reports ---------------------------------------------------------------------

REPORTS = {
    "same-standard": "同标同质比对",
    "four-reductions": "“四减”成效",
    "online-availability": "网上可办率",
    "consistency": "要素一致性检查",
}


def _report_rows(name: str, data: dict) -> tuple[list[str], list[list]]:
    if name == "same-standard":
        header = ["基本编码", "事项名称", "实施主体数", "差异要素", "实施主体", "区划", "取值"]
        rows = [
            [
                g["base_code"],
                g["name"],
                g["implementers"],
                d["label"],
                v["implementer"],
                v["region"],
                v["value"],
            ]
            for g in data["results"]
            for d in g["differences"]
            for v in d["values"]
        ]
    elif name == "four-reductions":
        header = ["单位", "事项数"] + [
            f"{label}{part}"
            for _, label in reports.MEASURES
            for part in ("（前）", "（后）", "（减少）")
        ]
        rows = [
            [r["unit"], r["item_count"]]
            + [r[m][k] for m, _ in reports.MEASURES for k in ("before", "after", "reduction")]
            for r in data["results"]
        ]
    elif name == "online-availability":
        header = ["单位", "事项数", "Ⅲ级及以上", "网上可办率", "Ⅳ级", "全程网办率", "目标", "达标"]
        rows = [
            [
                r["unit"],
                r["total"],
                r["level3"],
                r["level3_rate"],
                r["level4"],
                r["level4_rate"],
                r["target"],
                "是" if r["met"] else "否",
            ]
            for r in data["results"]
        ]
    else:
        header = ["来源", "编码", "事项名称", "单位", "要素", "问题"]
        rows = [
            [d["source"], d["code"], d["name"], d["unit"], d["field"], d["message"]]
            for d in data["results"]
        ]
    return header, rows


@role_required(*BUREAU)
def report(request, name: str):
    if name not in REPORTS:
        raise Http404
    baseline = dt.date(2021, 1, 1)
    if name == "four-reductions" and request.GET.get("baseline"):
        try:
            baseline = dt.date.fromisoformat(request.GET["baseline"])
        except ValueError:
            messages.error(request, "基准日期格式应为 YYYY-MM-DD，已按 2021-01-01 计算")
    user = request.user
    data = {
        "same-standard": lambda: reports.same_standard(user),
        "four-reductions": lambda: reports.four_reductions(user, baseline),
        "online-availability": lambda: reports.online_availability(user),
        "consistency": lambda: reports.consistency(user),
    }[name]()
    if request.GET.get("format") == "xlsx":
        from openpyxl import Workbook

        header, rows = _report_rows(name, data)
        book = Workbook()
        sheet = book.active
        sheet.title = REPORTS[name][:30]
        sheet.append(header)
        for row in rows:
            sheet.append(row)
        excel.keep_text(sheet)
        buffer = io.BytesIO()
        book.save(buffer)
        response = HttpResponse(buffer.getvalue(), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return response
    return render(
        request,
        f"catalog/report_{name.replace('-', '_')}.html",
        {
            "data": data,
            "title": REPORTS[name],
            "name": name,
            "reports": REPORTS,
            "baseline": baseline,
        },
    )
