"""Synthetic enterprise qualifications (企业资质), derived from the legal-entity registry."""

from __future__ import annotations

import hashlib

from django.db import transaction

from onething.registries.models import Enterprise, EnterpriseQualification

Kind = EnterpriseQualification.Kind
# Share of the eligible enterprises holding each drawn qualification, in per mille.
_SHARES = {Kind.SPECIALISED: 120, Kind.TECH_SME: 200, Kind.INNOVATIVE_SME: 150}
# 规模以上工业企业 is defined by annual revenue (≥ 2,000 万元), which the registry does not hold;
# the demo takes manufacturers with at least this many employees instead.
ABOVE_SCALE_EMPLOYEES = 50


def _draw(credit_code: str, kind: str) -> int:
    """A per-mille number fixed by the credit code and kind, so loads are repeatable."""
    digest = hashlib.sha256(f"{credit_code}:{kind}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % 1000


def qualifications_of(enterprise: Enterprise) -> list[str]:
    """The demo qualifications of one enterprise: 高新技术企业 exactly when the registry says so,
    规模以上工业企业 for larger manufacturers, the SME titles drawn among smaller firms."""
    kinds = []
    if enterprise.is_high_tech:
        kinds.append(Kind.HIGH_TECH)
    manufacturer = enterprise.industry_code.startswith("C")
    if manufacturer and enterprise.employees >= ABOVE_SCALE_EMPLOYEES:
        kinds.append(Kind.ABOVE_SCALE)
    if enterprise.status == Enterprise.Status.ACTIVE and enterprise.employees < 1000:
        for kind, share in _SHARES.items():
            if kind == Kind.SPECIALISED and not manufacturer:
                continue
            if _draw(enterprise.credit_code, kind) < share:
                kinds.append(kind)
    return [str(kind) for kind in kinds]


@transaction.atomic
def load_enterprise_qualifications() -> int:
    """Bring the synthetic qualifications in line with the enterprises now in the registry;
    returns the rows added (0 when they already match). Run after `load_legal_entities`."""
    wanted = {
        (enterprise.credit_code, kind)
        for enterprise in Enterprise.objects.filter(is_synthetic=True).iterator(chunk_size=5000)
        for kind in qualifications_of(enterprise)
    }
    existing = {
        (row.credit_code, row.kind): row.pk
        for row in EnterpriseQualification.objects.filter(is_synthetic=True).only(
            "credit_code", "kind"
        )
    }
    stale = [pk for key, pk in existing.items() if key not in wanted]
    for start in range(0, len(stale), 500):  # SQLite caps the parameters of one statement
        EnterpriseQualification.objects.filter(pk__in=stale[start : start + 500]).delete()
    rows = [
        EnterpriseQualification(credit_code=code, kind=kind)
        for code, kind in sorted(wanted - existing.keys())
    ]
    EnterpriseQualification.objects.bulk_create(rows, batch_size=5000)
    return len(rows)
