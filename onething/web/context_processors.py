ELDERLY_COOKIE = "elderly"


def display_preferences(request):
    """Elderly mode (适老化) persists in a cookie so every page renders large from the server."""
    return {"elderly_mode": request.COOKIES.get(ELDERLY_COOKIE) == "1"}
