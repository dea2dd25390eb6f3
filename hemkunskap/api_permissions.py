"""Who may do what through the REST API: the web app's rules, in one place.

| resource   | coordinator (and superuser) | manager          | visitor              | anyone else signed in |
|------------|-----------------------------|------------------|----------------------|-----------------------|
| move-ins   | create, update, read        | read (protected  | 403                  | 403                   |
|            |                             | identity hidden) |                      |                       |
| import     | yes                         | 403              | 403                  | 403                   |
| visits     | read all                    | read all         | read their own; any  | read their own (none) |
|            |                             |                  | other visit is a 404 |                       |
| languages  | read                        | read             | read                 | read                  |

Anonymous requests are answered 401 (with `WWW-Authenticate: Token`) before any of this is asked.
"""

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from visits.models import Visit
from visits.roles import COORDINATOR, MANAGER

MOVE_INS_READ = frozenset({COORDINATOR, MANAGER})
MOVE_INS_WRITE = frozenset({COORDINATOR})
MOVE_INS_IMPORT = frozenset({COORDINATOR})
# Everyone else sees only the visits they make themselves.
VISITS_ALL = frozenset({COORDINATOR, MANAGER})
# Address, apartment and contact details of a household with protected identity.
PROTECTED_IDENTITY_VISIBLE = frozenset({COORDINATOR})


def roles_of(user: AbstractBaseUser | AnonymousUser) -> frozenset[str]:
    """The user's roles, asked of the database once per request (kept on the user object)."""
    if not user.is_authenticated:
        return frozenset()
    roles = getattr(user, "_api_roles", None)
    if roles is None:
        names = set(user.groups.values_list("name", flat=True))
        if user.is_superuser:
            names.add(COORDINATOR)
        roles = frozenset(names)
        user._api_roles = roles  # type: ignore[union-attr]
    return roles


def sees_protected_identity(user: AbstractBaseUser | AnonymousUser) -> bool:
    return bool(roles_of(user) & PROTECTED_IDENTITY_VISIBLE)


def visible_visits(user: AbstractBaseUser | AnonymousUser, visits: QuerySet[Visit]) -> QuerySet[Visit]:
    """The visits the user may read; any other is "not found" (404), not "forbidden"."""
    if roles_of(user) & VISITS_ALL:
        return visits
    return visits.filter(visitor__user_id=user.pk)


class MoveInAccess(BasePermission):
    """Move-ins: coordinators read and write, managers read; everyone else is refused (403)."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        allowed = MOVE_INS_READ if request.method in SAFE_METHODS else MOVE_INS_WRITE
        return bool(roles_of(request.user) & allowed)


class ImportAccess(BasePermission):
    """Importing a file of move-ins: coordinators only."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        return bool(roles_of(request.user) & MOVE_INS_IMPORT)
