from django import template

register = template.Library()


@register.simple_tag
def online_rating(case):
    """The case's online rating (one per case), or None: for the applicant's "评价" link."""
    return case.ratings.online_case_ratings().first()
