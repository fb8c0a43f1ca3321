from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """`mapping[key]` in a template (a dict or a QueryDict); None when absent."""
    if not mapping:
        return None
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def warning_class(warning: str) -> str:
    return f"warn-{warning}"
