"""Staff lookup of one registry record, with a stated purpose (audited)."""

from django import forms
from django.shortcuts import render

from onething.core.access import role_required
from onething.core.errors import ServiceError
from onething.core.identity import IdentityNumberError, validate_credit_code, validate_resident_id
from onething.core.models.people import STAFF_ROLES
from onething.registries import services


class LookupForm(forms.Form):
    registry = forms.ChoiceField(
        label="查询对象",
        choices=[
            ("person", "人口库（居民身份证号码）"),
            ("enterprise", "法人库（统一社会信用代码）"),
        ],
        widget=forms.RadioSelect,
        initial="person",
    )
    number = forms.CharField(label="证件号码", max_length=20)
    purpose = forms.CharField(
        label="查询事由",
        max_length=200,
        help_text="如：办件编号、窗口咨询登记号",
        error_messages={"required": "请填写查询事由"},
    )

    def clean(self):
        data = super().clean()
        number, registry = data.get("number", ""), data.get("registry")
        try:
            if registry == "person":
                data["number"] = validate_resident_id(number)
            elif registry == "enterprise":
                data["number"] = validate_credit_code(number)
        except IdentityNumberError as error:
            self.add_error("number", error.message)
        return data


@role_required(*STAFF_ROLES)
def lookup(request):
    form = LookupForm(request.POST or None)
    record, kind = None, None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["registry"] == "person":
                record = services.read_person(
                    user=request.user,
                    id_number=data["number"],
                    purpose=data["purpose"],
                    request=request,
                )
            else:
                record = services.read_enterprise(
                    user=request.user,
                    credit_code=data["number"],
                    purpose=data["purpose"],
                    request=request,
                )
            kind = data["registry"]
        except ServiceError as error:
            form.add_error(next(iter(error.fields), None) if error.fields else None, error.message)
    return render(request, "registries/lookup.html", {"form": form, "record": record, "kind": kind})
