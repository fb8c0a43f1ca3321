"""Registry API: masked lists, and full records read with a stated purpose."""

import datetime as dt

from django.db.models import Q
from ninja import Router, Schema

from onething.core.api_utils import Page, paginate
from onething.core.identity import mask_name, mask_resident_id
from onething.registries import services
from onething.registries.models import Enterprise, Person

router = Router(tags=["基础库"])


def person_masked(person: Person) -> dict:
    return {
        "id_number": mask_resident_id(person.id_number),
        "name": mask_name(person.name),
        "sex": person.get_sex_display(),
        "birth_year": person.birth_date.year,
        "community": person.household_community.name,
        "deceased": person.death_date is not None,
    }


class PersonOut(Schema):
    id_number: str
    name: str
    sex: str
    birth_date: dt.date
    household_community_code: str
    household_community: str
    town: str
    phone: str
    marital_status: str
    death_date: dt.date | None
    is_synthetic: bool


@router.get("persons", response=Page)
def list_persons(request, q: str = "", limit: int = 20, offset: int = 0):
    """People the caller may see, masked. `q`: a full ID number, or a name."""
    people = Person.objects.visible_to(request.user).select_related("household_community")
    if q:
        people = people.filter(Q(id_number=q.strip().upper()) | Q(name=q.strip()))
    return paginate(people, limit=limit, offset=offset, serialize=person_masked)


@router.get("persons/{id_number}", response=PersonOut)
def get_person(request, id_number: str, purpose: str = ""):
    """One full population record. Staff must give `purpose`; the read is audited."""
    person = services.read_person(
        user=request.user, id_number=id_number, purpose=purpose, request=request
    )
    community = person.household_community
    return {
        "id_number": person.id_number,
        "name": person.name,
        "sex": person.get_sex_display(),
        "birth_date": person.birth_date,
        "household_community_code": community.code,
        "household_community": community.name,
        "town": community.parent.name,
        "phone": person.phone,
        "marital_status": person.get_marital_status_display(),
        "death_date": person.death_date,
        "is_synthetic": person.is_synthetic,
    }


def enterprise_public(enterprise: Enterprise) -> dict:
    return {
        "credit_code": enterprise.credit_code,
        "name": enterprise.name,
        "entity_type": enterprise.get_entity_type_display(),
        "legal_rep_name": mask_name(enterprise.legal_rep_name),
        "industry_code": enterprise.industry_code,
        "town": enterprise.town.name,
        "status": enterprise.get_status_display(),
    }


class EnterpriseOut(Schema):
    credit_code: str
    name: str
    entity_type: str
    legal_rep_name: str
    legal_rep_id_number: str
    industry_code: str
    registered_capital: float
    employees: int
    established_on: dt.date
    town_code: str
    town: str
    in_park: bool
    tax_credit_rating: str
    is_high_tech: bool
    status: str
    is_synthetic: bool


@router.get("enterprises", response=Page)
def list_enterprises(request, q: str = "", limit: int = 20, offset: int = 0):
    """Enterprises the caller may see. `q`: a full credit code, or part of the name."""
    enterprises = Enterprise.objects.visible_to(request.user).select_related("town")
    if q:
        enterprises = enterprises.filter(
            Q(credit_code=q.strip().upper()) | Q(name__contains=q.strip())
        )
    return paginate(enterprises, limit=limit, offset=offset, serialize=enterprise_public)


@router.get("enterprises/{credit_code}", response=EnterpriseOut)
def get_enterprise(request, credit_code: str, purpose: str = ""):
    """One full legal-entity record. Staff must give `purpose`; the read is audited."""
    e = services.read_enterprise(
        user=request.user, credit_code=credit_code, purpose=purpose, request=request
    )
    return {
        "credit_code": e.credit_code,
        "name": e.name,
        "entity_type": e.get_entity_type_display(),
        "legal_rep_name": e.legal_rep_name,
        "legal_rep_id_number": mask_resident_id(e.legal_rep_id_number),
        "industry_code": e.industry_code,
        "registered_capital": float(e.registered_capital),
        "employees": e.employees,
        "established_on": e.established_on,
        "town_code": e.town.code,
        "town": e.town.name,
        "in_park": e.in_park,
        "tax_credit_rating": e.tax_credit_rating,
        "is_high_tech": e.is_high_tech,
        "status": e.get_status_display(),
        "is_synthetic": e.is_synthetic,
    }
