"""Catalog admin: code tables, synonyms and delegations are edited here; items only through
drafts (review, publish), so the admin shows them read-only."""

from django.contrib import admin

from onething.catalog.models import Delegation, ItemKind, ItemVersion, ServiceItem, Synonym
from onething.core.admin import AuditedModelAdmin, ReadOnlyAdmin


@admin.register(ItemKind)
class ItemKindAdmin(AuditedModelAdmin):
    list_display = ["code", "name", "on_application"]


@admin.register(Synonym)
class SynonymAdmin(AuditedModelAdmin):
    list_display = ["term", "alias"]
    search_fields = ["term", "alias"]


@admin.register(Delegation)
class DelegationAdmin(AuditedModelAdmin):
    list_display = ["item", "to_department", "to_town", "delegated_on", "document"]
    raw_id_fields = ["item"]
    list_filter = ["to_department", "to_town"]


@admin.register(ServiceItem)
class ServiceItemAdmin(ReadOnlyAdmin):
    list_display = ["name", "implementation_code", "implementing_unit", "online_depth"]
    search_fields = ["name", "implementation_code"]
    list_filter = ["level", "online_depth", "kind"]


@admin.register(ItemVersion)
class ItemVersionAdmin(ReadOnlyAdmin):
    list_display = ["item", "number", "published_at", "published_by"]
