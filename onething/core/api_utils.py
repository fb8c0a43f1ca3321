"""Small helpers every app's API uses: the page shape and the caller."""

from ninja import Schema

MAX_PAGE = 200


class Page(Schema):
    count: int
    results: list


def paginate(queryset, *, limit: int, offset: int, serialize) -> dict:
    """`{"count", "results"}` for one page of an already visibility-filtered queryset."""
    limit = max(1, min(limit, MAX_PAGE))
    offset = max(0, offset)
    return {
        "count": queryset.count(),
        "results": [serialize(obj) for obj in queryset[offset : offset + limit]],
    }
