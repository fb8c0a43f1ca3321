"""Staff must pass a TOTP second factor when ONETHING_REQUIRE_STAFF_OTP is on (production)."""

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

# Paths a staff member may reach before verifying: the second-factor page itself and logout.
_OPEN_PREFIXES = ("/account/", "/static/")


class StaffSecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            settings.ONETHING_REQUIRE_STAFF_OTP
            and user is not None
            and user.is_authenticated
            and not user.is_applicant
            and not user.is_verified()
            and not request.path.startswith(_OPEN_PREFIXES)
            and not request.path.startswith("/api/")
        ):
            return redirect(f"{reverse('second_factor')}?next={request.path}")
        return self.get_response(request)
