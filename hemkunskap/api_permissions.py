"""Who may do what through the REST API: the web app's rules, in one place (every operation, every role:
hemkunskap/access_matrix.py).

| resource   | coordinator (and superuser) | manager          | visitor                | anyone else signed in |
|------------|-----------------------------|------------------|------------------------|-----------------------|
| move-ins   | create, update, read        | read (protected  | read those they visit; | 403                   |
|            |                             | identity hidden) | any other is a 404;    |                       |
|            |                             |                  | write: 403             |                       |
| import     | yes                         | 403              | 403                    | 403                   |
| visits     | read all                    | read all         | read their own; any    | read their own (none) |
|            |                             |                  | other visit is a 404   |                       |
| languages  | read                        | read             | read                   | read                  |

A visitor "visits" a move-in while they have a visit to it that is not cancelled – the same rule as the
web app's visit page, which shows them the household's address and phone even when its identity is
protected.

Anonymous requests are answered 401 (with `WWW-Authenticate: Token`) before any of this is asked.
"""

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from tenants.models import MoveIn
from visits.models import Visit
from visits.roles import COORDINATOR, MANAGER, VISITOR

# Visitors read only the move-ins they visit (visible_move_ins); every other move-in is a 404 to them.
MOVE_INS_READ = frozenset({COORDINATOR, MANAGER, VISITOR})
MOVE_INS_ALL = frozenset({COORDINATOR, MANAGER})
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


def sees_protected_identity(user: AbstractBaseUser | AnonymousUser, move_in: MoveIn) -> bool:
    """Whether the user may see where a household with protected identity lives and how to reach it:
    coordinators always, a visitor for a move-in they visit, nobody else (managers included)."""
    if roles_of(user) & PROTECTED_IDENTITY_VISIBLE:
        return True
    return move_in.id in visited_move_in_ids(user)


def visited_move_in_ids(user: AbstractBaseUser | AnonymousUser) -> frozenset[int]:
    """The move-ins the user visits (a visit of theirs not cancelled), asked once per request."""
    if not user.is_authenticated:
        return frozenset()
    ids = getattr(user, "_api_visited_move_ins", None)
    if ids is None:
        ids = frozenset(_visited(user).values_list("move_in_id", flat=True))
        user._api_visited_move_ins = ids  # type: ignore[union-attr]
    return ids


def _visited(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Visit]:
    return Visit.objects.filter(visitor__user_id=user.pk).exclude(status=Visit.Status.CANCELLED)


def visible_move_ins(user: AbstractBaseUser | AnonymousUser, move_ins: QuerySet[MoveIn]) -> QuerySet[MoveIn]:
    """The move-ins the user may read; any other is "not found" (404), not "forbidden"."""
    if roles_of(user) & MOVE_INS_ALL:
        return move_ins
    return move_ins.filter(id__in=_visited(user).values("move_in_id"))


def visible_visits(user: AbstractBaseUser | AnonymousUser, visits: QuerySet[Visit]) -> QuerySet[Visit]:
    """The visits the user may read; any other is "not found" (404), not "forbidden"."""
    if roles_of(user) & VISITS_ALL:
        return visits
    return visits.filter(visitor__user_id=user.pk)


class MoveInAccess(BasePermission):
    """Move-ins: coordinators read and write, managers read, visitors read those they visit; users without
    a role are refused (403). A write to one move-in first asks whether the user may see it at all (404
    for a visitor's "someone else's"), then whether they may change it (403)."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        one_move_in = getattr(view, "detail", False)
        allowed = MOVE_INS_READ if request.method in SAFE_METHODS or one_move_in else MOVE_INS_WRITE
        return bool(roles_of(request.user) & allowed)

    def has_object_permission(self, request: Request, view: APIView, obj: object) -> bool:
        return request.method in SAFE_METHODS or bool(roles_of(request.user) & MOVE_INS_WRITE)


class ImportAccess(BasePermission):
    """Importing a file of move-ins: coordinators only."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        return bool(roles_of(request.user) & MOVE_INS_IMPORT)
