from django import template

from onething.evaluation.models import ONLINE_CHANNELS, Rating

register = template.Library()


@register.simple_tag
def online_rating(case):
    """The case's online rating (one per case), or None: for the applicant's "评价" link."""
    return case.ratings.filter(subject=Rating.Subject.CASE, channel__in=ONLINE_CHANNELS).first()
