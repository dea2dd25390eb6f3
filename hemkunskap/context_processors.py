from django.http import HttpRequest


def navigation(request: HttpRequest) -> dict[str, object]:
    """The signed-in user's roles for the navigation, as remembered in the session at login (no query)."""
    session = getattr(request, "session", None)
    return {"nav_roles": set(session.get("roles", [])) if session is not None else set()}
