"""State changes of the catalog. Each runs in one transaction and leaves an audit record."""

from onething.catalog.services.drafts import (
    EDITOR_ROLES,
    PUBLISHER_ROLES,
    import_drafts,
    publish_draft,
    reject_draft,
    save_draft,
    submit_draft,
)
from onething.catalog.services.publishing import (
    MATERIAL_FIELDS,
    Implementer,
    build_children,
    implementer_for_department,
    implementer_for_region,
    item_fields,
    item_to_data,
    publish_item,
    town_office_credit_code,
)

__all__ = [
    "EDITOR_ROLES",
    "MATERIAL_FIELDS",
    "PUBLISHER_ROLES",
    "Implementer",
    "build_children",
    "implementer_for_department",
    "implementer_for_region",
    "import_drafts",
    "item_fields",
    "item_to_data",
    "publish_draft",
    "publish_item",
    "reject_draft",
    "save_draft",
    "submit_draft",
    "town_office_credit_code",
]
