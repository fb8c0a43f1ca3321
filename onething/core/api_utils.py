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


def keyset_page(rows, *, limit: int, offset: int, max_page: int) -> tuple[list, int | None]:
    """One page of `rows` and the offset of the next one (None on the last page), without a
    count: one row more than the page is read to know whether another follows."""
    limit, offset = max(1, min(limit, max_page)), max(0, offset)
    found = list(rows[offset : offset + limit + 1])
    return found[:limit], (offset + limit if len(found) > limit else None)
