from django.utils.functional import SimpleLazyObject

ELDERLY_COOKIE = "elderly"


def display_preferences(request):
    """Elderly mode (适老化) persists in a cookie so every page renders large from the server."""
    return {"elderly_mode": request.COOKIES.get(ELDERLY_COOKIE) == "1"}


def inbox(request):
    """The signed-in user's unread count for the header: one COUNT, only if a page shows it."""
    from onething.core.notifications import unread_count

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"inbox_unread": SimpleLazyObject(lambda: unread_count(user))}
