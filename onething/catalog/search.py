"""Portal search: Chinese text, full pinyin and initials (csdj → 出生登记), synonyms, filters,
ranked by relevance then popularity.

Pinyin is computed once when an item is published (`search_columns`), never at query time.
SQLite's trigram FTS finds nothing for one- or two-character queries (出生), so matching is a
plain substring filter over short precomputed columns, then scoring in Python over the few
candidates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import Q
from pypinyin import Style, lazy_pinyin

from onething.catalog.models import ServiceItem, Synonym

MAX_CANDIDATES = 1500
_ASCII = re.compile(r"^[a-z]+$")
_SPACES = re.compile(r"\s+")


def to_pinyin(text: str) -> tuple[str, str]:
    """Full pinyin and initials of a Chinese phrase, lower case, without separators."""
    full = "".join(lazy_pinyin(text, errors="ignore")).lower()
    initials = "".join(lazy_pinyin(text, style=Style.FIRST_LETTER, errors="ignore")).lower()
    return full, initials


def search_columns(
    *, name: str, keywords: list[str], handling_names: list[str], topics: list[str]
) -> dict[str, str]:
    """The precomputed columns of one item: the name comes first in each."""
    phrases = [name, *keywords]
    pinyins = [to_pinyin(p) for p in phrases]
    # Three lines: the name, the keywords, the handling items' names (tab-separated), so scoring
    # can tell them apart without loading the item.
    return {
        "search_words": "\n".join([name, "\t".join(keywords), "\t".join(handling_names)]),
        "pinyin_full": " ".join(full for full, _ in pinyins),
        "pinyin_initials": " ".join(initials for _, initials in pinyins),
        "facets": "|" + "|".join(topics) + "|" if topics else "",
    }


@dataclass
class SearchFilters:
    department: str = ""
    town: str = ""
    kind: str = ""
    topic: str = ""
    audience: str = ""
    online_depth: int | None = None


@dataclass
class SearchHit:
    """One ranked result; `item` is loaded only for the page shown (`load_items`)."""

    item_id: int
    score: float
    popularity: int
    code: str
    implementers: int = 1
    item: ServiceItem | None = None


# Only these columns are read for ranking: building model instances for up to 1,500 candidates
# cost more than the query itself.
_RANKING_COLUMNS = (
    "id",
    "name",
    "search_words",
    "pinyin_full",
    "pinyin_initials",
    "popularity",
    "implementation_code",
    "base_code",
    "level",
)


def expand_synonyms(text: str) -> dict[str, float]:
    """The query and its synonym variants, with a weight (the query itself weighs most)."""
    variants = {text: 1.0}
    pairs = Synonym.objects.filter(Q(term__in=_subterms(text)) | Q(alias__in=_subterms(text)))
    for pair in pairs.values_list("term", "alias"):
        for a, b in (pair, pair[::-1]):
            if a in text:
                variants.setdefault(text.replace(a, b), 0.9)
    return variants


def _subterms(text: str) -> list[str]:
    """Every substring of 2+ characters (queries are short: at most a few hundred)."""
    text = text[:20]
    return [text[i:j] for i in range(len(text)) for j in range(i + 2, len(text) + 1)]


def apply_filters(items, filters: SearchFilters):
    if filters.department:
        items = items.filter(department__code=filters.department)
    if filters.town:
        items = items.filter(Q(region__code=filters.town) | Q(region__parent__code=filters.town))
    if filters.kind:
        items = items.filter(kind__code=filters.kind)
    if filters.topic:
        items = items.filter(facets__contains=f"|{filters.topic}|")
    if filters.audience == "person":
        items = items.filter(for_person=True)
    elif filters.audience == "enterprise":
        items = items.filter(for_enterprise=True)
    if filters.online_depth:
        items = items.filter(online_depth__gte=filters.online_depth)
    return items


def _score_text(name: str, words: str, variants: dict[str, float]) -> float:
    _, keywords, handling = [*words.split("\n"), "", ""][:3]
    keywords, handling = keywords.split("\t"), handling.split("\t")
    best = 0.0
    for variant, weight in variants.items():
        if name == variant:
            score = 100
        elif name.startswith(variant):
            score = 80
        elif variant in name:
            score = 60
        elif any(variant in k for k in keywords):
            score = 45
        elif any(variant in h for h in handling):
            score = 35
        else:
            score = 0
        best = max(best, score * weight)
    return best


def _score_pinyin(full: str, initials: str, query: str) -> float:
    fulls, initials_ = full.split(" "), initials.split(" ")
    name_full, name_initials = fulls[0], initials_[0]
    if name_initials == query or name_full == query:
        return 90
    if name_initials.startswith(query):
        return 75
    if name_full.startswith(query):
        return 70
    if query in name_initials:
        return 55
    if query in name_full:
        return 50
    if any(query in k for k in fulls[1:] + initials_[1:]):
        return 40
    return 0


def search_items(items, query: str, filters: SearchFilters | None = None) -> list[SearchHit]:
    """Ranked hits over an already visibility-filtered queryset of published items.

    Items implemented the same way by many towns or communities (same base code, level 5 or 6)
    come back as one hit carrying how many units implement them, unless a town is chosen.
    Call `load_items` on the hits you show.
    """
    items = apply_filters(items, filters or SearchFilters())
    query = _SPACES.sub("", (query or "").strip().lower())[:40]
    if not query:
        candidates = items
        score = lambda row: 0.0  # noqa: E731
    elif _ASCII.match(query):
        candidates = items.filter(
            Q(pinyin_initials__contains=query) | Q(pinyin_full__contains=query)
        )
        score = lambda row: _score_pinyin(row[3], row[4], query)  # noqa: E731
    else:
        variants = expand_synonyms(query)
        condition = Q()
        for variant in variants:
            condition |= Q(search_words__contains=variant)
        candidates = items.filter(condition)
        score = lambda row: _score_text(row[1], row[2], variants)  # noqa: E731
    rows = candidates.order_by("-popularity", "implementation_code").values_list(*_RANKING_COLUMNS)
    hits, groups = [], {}
    scored = [(score(row), row) for row in rows[:MAX_CANDIDATES]]
    scored.sort(key=lambda pair: (-pair[0], -pair[1][5], pair[1][6]))
    for points, row in scored:
        if query and points <= 0:
            continue
        if row[8] >= 5 and not (filters and filters.town):
            key = (row[7], row[8])
            if key in groups:
                groups[key].implementers += 1
                continue
            groups[key] = hit = SearchHit(row[0], points, row[5], row[6])
        else:
            hit = SearchHit(row[0], points, row[5], row[6])
        hits.append(hit)
    return hits


def load_items(hits: list[SearchHit]) -> list[SearchHit]:
    """Attach the items (with department, region and kind) to the hits that will be shown."""
    by_id = ServiceItem.objects.select_related("department", "region", "kind").in_bulk(
        [hit.item_id for hit in hits]
    )
    for hit in hits:
        hit.item = by_id[hit.item_id]
    return hits
