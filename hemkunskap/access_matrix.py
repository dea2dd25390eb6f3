"""Who gets what from every address of the app: one decision per URL pattern and API operation, for each
role and for anonymous requests (issue 7).

hemkunskap/tests/test_access_matrix.py walks every pattern the URL resolver knows, as each role, and
asserts the answer declared here. A pattern without a decision fails that test: a new route cannot ship
without someone writing down who may use it.

The rules in words:

- Visitors see and change only their own visits and the households of those visits. Anything else –
  another visitor's visit, the coordinators' screens, the dashboard – answers 404, as if it did not exist.
- Coordinators (and superusers) reach every operational screen and write through the API.
- Managers read: the dashboard, the exports, the API (without a protected household's whereabouts).
- Anonymous users are sent to the login page, or answered 401 by the API.
- Addresses that carry a signed token or secret (the household's page, the visitor's calendar feed, the
  SMS gateway's delivery reports, the password reset link) are the same for everyone: a valid token is
  the key, a bad one answers 404 (the password reset link: Django's "invalid link" page).
- The admin: staff only; anyone else is sent to the admin's login. What staff may do there is the model
  permissions' decision (visits.roles), not this table's.

How to read the table. A web page is walked with GET and with POST (an empty form); an API operation with
each method the router maps plus any other listed. Outcomes are per role, in the order of ROLES:

    anonymous · visitor (the URL names their own visit, move-in or change request) · visitor_others (the
    same visitor, the URL naming another visitor's) · coordinator · manager

Unnamed patterns (the API's catch-all) are keyed by their route. "admin:*" decides every admin pattern
that has no line of its own.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum

from django.urls import URLPattern, URLResolver, get_resolver


class Outcome(StrEnum):
    ALLOW = "allow"  # 2xx; a POST/PUT/PATCH with an empty body may also answer 400 or redirect (not to login)
    REDIRECT = "redirect"  # 302 somewhere other than a login page
    LOGIN = "login"  # 302 to the login page (the admin's own, for admin pages)
    NOT_FOUND = "not found"  # 404
    FORBIDDEN = "forbidden"  # 403
    UNAUTHORIZED = "unauthorized"  # 401: the API, without credentials
    METHOD = "method not allowed"  # 405
    ADMIN = "admin decides"  # staff in the admin: the model permissions decide; never a login page, never 5xx


ALLOW, REDIRECT, LOGIN, NOT_FOUND, FORBIDDEN, UNAUTHORIZED, METHOD, ADMIN = Outcome

ROLES = ("anonymous", "visitor", "visitor_others", "coordinator", "manager")
# The methods each web page is walked with.
WEB_METHODS = ("GET", "POST")
# URL arguments naming something that belongs to one visitor (a visit, its move-in, household or change
# request; "pk" in the API's move-ins and visits). Only routes with one of these have a "visitor_others"
# case of their own; elsewhere that column must say what the visitor's does.
OWNED_ARGUMENTS = frozenset({"visit_id", "move_in_id", "household_id", "change_request_id", "pk"})

Outcomes = tuple[Outcome, Outcome, Outcome, Outcome, Outcome]  # one per role, in the order of ROLES


@dataclass(frozen=True)
class Route:
    """Outcomes per method, each a row in the order of ROLES."""

    methods: dict[str, Outcomes]


@dataclass(frozen=True)
class TokenRoute:
    """The token (or secret) in the address is the key, whoever asks: outcomes per method for a valid token
    and for a bad one, the same for every role."""

    valid: dict[str, Outcome]
    invalid: dict[str, Outcome]


def everyone(outcome: Outcome) -> Outcomes:
    return (outcome,) * 5  # type: ignore[return-value]


def signed_in(anonymous: Outcome, outcome: Outcome) -> Outcomes:
    return (anonymous, outcome, outcome, outcome, outcome)


#                                   anonymous  visitor    visitor_others coordinator manager
COORDINATOR_PAGE = Route(
    {
        "GET": (LOGIN, NOT_FOUND, NOT_FOUND, ALLOW, NOT_FOUND),
        "POST": (LOGIN, NOT_FOUND, NOT_FOUND, METHOD, NOT_FOUND),
    }
)
COORDINATOR_FORM = Route(
    {
        "GET": (LOGIN, NOT_FOUND, NOT_FOUND, ALLOW, NOT_FOUND),
        "POST": (LOGIN, NOT_FOUND, NOT_FOUND, ALLOW, NOT_FOUND),
    }
)
# The dashboard and the exports: managers and coordinators read them.
READER_PAGE = Route(
    {
        "GET": (LOGIN, NOT_FOUND, NOT_FOUND, ALLOW, ALLOW),
        "POST": (LOGIN, NOT_FOUND, NOT_FOUND, METHOD, METHOD),
    }
)
# The visitor's own lists: anyone else signed in has no visits of their own (404).
VISITOR_PAGE = Route(
    {
        "GET": (LOGIN, ALLOW, ALLOW, NOT_FOUND, NOT_FOUND),
        "POST": (LOGIN, METHOD, METHOD, METHOD, METHOD),
    }
)
# Django's account pages for whoever is signed in.
ACCOUNT_FORM = Route({"GET": signed_in(LOGIN, ALLOW), "POST": signed_in(LOGIN, ALLOW)})
ACCOUNT_PAGE = Route({"GET": signed_in(LOGIN, ALLOW), "POST": signed_in(LOGIN, METHOD)})
# Public pages: the login and the password reset.
PUBLIC_FORM = Route({"GET": everyone(ALLOW), "POST": everyone(ALLOW)})
PUBLIC_PAGE = Route({"GET": everyone(ALLOW), "POST": everyone(METHOD)})


MATRIX: dict[str, Route | TokenRoute] = {
    # --- The start page and the accounts ---------------------------------------------------------------
    # Each role is sent on to its own start page: visitors today, coordinators the queue, managers the
    # dashboard.
    "home": Route({"GET": signed_in(LOGIN, REDIRECT), "POST": signed_in(LOGIN, REDIRECT)}),
    # Load balancers and monitoring ask without credentials; it says only whether the services are up.
    "healthz": Route({"GET": everyone(ALLOW), "POST": everyone(METHOD)}),
    # Signed in or not, the login page is shown (a second account on one browser is allowed).
    "login": PUBLIC_FORM,
    # Log out is POST only (Django 5); it then sends everyone to the login page.
    "logout": Route({"GET": everyone(METHOD), "POST": everyone(LOGIN)}),
    "password_change": ACCOUNT_FORM,
    "password_change_done": ACCOUNT_PAGE,
    "password_reset": PUBLIC_FORM,
    "password_reset_done": PUBLIC_PAGE,
    # The link in the reset e-mail: a valid one moves on to the form (at .../set-password/); a bad one
    # shows Django's "the link was invalid" page (200), which names no account.
    "password_reset_confirm": TokenRoute(
        valid={"GET": REDIRECT, "POST": REDIRECT}, invalid={"GET": ALLOW, "POST": ALLOW}
    ),
    "password_reset_complete": PUBLIC_PAGE,
    # Two-factor authentication (accounts/): for anyone signed in. Nobody in the walk has an authenticator
    # yet, so the code page sends them straight on.
    "two_factor:setup": ACCOUNT_FORM,
    "two_factor:verify": Route({"GET": signed_in(LOGIN, REDIRECT), "POST": signed_in(LOGIN, REDIRECT)}),
    # The language switcher is POST only, for anyone (it remembers a signed-in user's choice).
    "set_language": Route({"GET": everyone(METHOD), "POST": everyone(REDIRECT)}),
    # --- The visitor's screens -----------------------------------------------------------------------
    "visits:mine": VISITOR_PAGE,
    "visits:today": VISITOR_PAGE,
    "visits:week": VISITOR_PAGE,
    # One visit: its own visitor and coordinators; another visitor and managers get 404. A POST is
    # refused (405) before anyone is told whether the visit exists.
    "visits:detail": Route(
        {
            "GET": (LOGIN, ALLOW, NOT_FOUND, ALLOW, NOT_FOUND),
            "POST": (LOGIN, METHOD, METHOD, METHOD, METHOD),
        }
    ),
    "visits:log": Route(
        {
            "GET": (LOGIN, ALLOW, NOT_FOUND, ALLOW, NOT_FOUND),
            "POST": (LOGIN, ALLOW, NOT_FOUND, ALLOW, NOT_FOUND),
        }
    ),
    # The visitor's calendar feed, fetched by calendar servers without a login: the token is the key.
    "visits:calendar_feed": TokenRoute(
        valid={"GET": ALLOW, "POST": METHOD}, invalid={"GET": NOT_FOUND, "POST": METHOD}
    ),
    # The household's own page behind the signed link in its invitation.
    "household_page": TokenRoute(valid={"GET": ALLOW, "POST": ALLOW}, invalid={"GET": NOT_FOUND, "POST": NOT_FOUND}),
    # --- The coordinators' screens -------------------------------------------------------------------
    "coordination:queue": COORDINATOR_PAGE,
    "coordination:board": COORDINATOR_PAGE,
    "coordination:search": COORDINATOR_PAGE,
    "coordination:absence": COORDINATOR_FORM,
    "coordination:move_in_new": COORDINATOR_FORM,
    "coordination:move_in_edit": COORDINATOR_FORM,
    "coordination:assign": COORDINATOR_FORM,
    "coordination:book_interpreter": COORDINATOR_FORM,
    "coordination:change_request": COORDINATOR_FORM,
    "coordination:import": COORDINATOR_FORM,
    "coordination:import_detail": COORDINATOR_FORM,
    # Everything held about one household, for its right of access (tenants/privacy_views.py).
    "coordination:household_data": COORDINATOR_PAGE,
    # --- The dashboard and the exports ---------------------------------------------------------------
    "dashboard:index": READER_PAGE,
    "dashboard:export": READER_PAGE,
    # The impact dashboard and its exports: aggregates only, small groups suppressed (visits.impact).
    "dashboard:impact": READER_PAGE,
    "dashboard:impact_export": READER_PAGE,
    # Who opened which household's personal data (tenants/privacy_views.py).
    "dashboard:data_access": READER_PAGE,
    "exports:move_ins": READER_PAGE,
    "exports:visits": READER_PAGE,
    # --- Portalen referrals (portalen/views.py) --------------------------------------------------------
    # The referral list, a status and the status import: coordinators and Portalen's partner staff (a role
    # of its own, not walked here: portalen/tests/test_partner_access.py). Managers read only the funnel.
    "portalen:list": COORDINATOR_PAGE,
    "portalen:status": COORDINATOR_FORM,
    "portalen:import": COORDINATOR_FORM,
    # Completing a referral from a visit's follow-up names the household: coordinators only.
    "portalen:refer": COORDINATOR_FORM,
    # The funnel is aggregate only: managers, coordinators and partner staff.
    "portalen:funnel": READER_PAGE,
    "portalen:funnel_export": READER_PAGE,
    # --- Messaging -----------------------------------------------------------------------------------
    # The SMS gateway's delivery reports: POST only; the secret in the path is the key (an empty report
    # is a 400: the gateway is told what it left out).
    "messaging:sms_status": TokenRoute(
        valid={"GET": METHOD, "POST": ALLOW}, invalid={"GET": METHOD, "POST": NOT_FOUND}
    ),
    # --- The REST API (hemkunskap/api_permissions.py) ------------------------------------------------
    # Anonymous requests are told to authenticate (401) before anything else, even a wrong method.
    "api:api-root": Route({"GET": signed_in(UNAUTHORIZED, ALLOW), "POST": signed_in(UNAUTHORIZED, METHOD)}),
    # A visitor reads the move-ins they visit (list: only those; another's: 404) and writes none.
    "api:move-in-list": Route(
        {
            "GET": (UNAUTHORIZED, ALLOW, ALLOW, ALLOW, ALLOW),
            "POST": (UNAUTHORIZED, FORBIDDEN, FORBIDDEN, ALLOW, FORBIDDEN),
        }
    ),
    "api:move-in-detail": Route(
        {
            "GET": (UNAUTHORIZED, ALLOW, NOT_FOUND, ALLOW, ALLOW),
            "PUT": (UNAUTHORIZED, FORBIDDEN, NOT_FOUND, ALLOW, FORBIDDEN),
            "PATCH": (UNAUTHORIZED, FORBIDDEN, NOT_FOUND, ALLOW, FORBIDDEN),
            "DELETE": (UNAUTHORIZED, METHOD, METHOD, METHOD, METHOD),  # move-ins are never deleted here
        }
    ),
    "api:move-in-import": Route(
        {
            "GET": (UNAUTHORIZED, FORBIDDEN, FORBIDDEN, METHOD, FORBIDDEN),
            "POST": (UNAUTHORIZED, FORBIDDEN, FORBIDDEN, ALLOW, FORBIDDEN),
        }
    ),
    # Outcomes (tenants/outcome_api.py): coordinators register, managers read, visitors see none (their
    # list is refused; one outcome is a 404 as for every move-in they do not visit). The walk's world holds
    # no outcomes, so the id it asks for names none: 404 for coordinators and managers too (reading an
    # existing one: tenants/tests/test_outcome_api.py).
    **{
        f"api:{name}-list": Route(
            {
                "GET": (UNAUTHORIZED, FORBIDDEN, FORBIDDEN, ALLOW, ALLOW),
                "POST": (UNAUTHORIZED, FORBIDDEN, FORBIDDEN, ALLOW, FORBIDDEN),
            }
        )
        for name in ("disturbance-case", "move-out-inspection", "survey-answer")
    },
    **{
        f"api:{name}-detail": Route({"GET": (UNAUTHORIZED, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND)})
        for name in ("disturbance-case", "move-out-inspection", "survey-answer")
    },
    # Read only for everyone: visits are changed in the web app, where their rules live.
    "api:visit-list": Route({"GET": signed_in(UNAUTHORIZED, ALLOW), "POST": signed_in(UNAUTHORIZED, METHOD)}),
    "api:visit-detail": Route(
        {
            "GET": (UNAUTHORIZED, ALLOW, NOT_FOUND, ALLOW, ALLOW),
            "PATCH": signed_in(UNAUTHORIZED, METHOD),
        }
    ),
    "api:language-list": Route({"GET": signed_in(UNAUTHORIZED, ALLOW), "POST": signed_in(UNAUTHORIZED, METHOD)}),
    "api:language-detail": Route({"GET": signed_in(UNAUTHORIZED, ALLOW), "PUT": signed_in(UNAUTHORIZED, METHOD)}),
    # Any other address under /api/v1/: a JSON 404 for everyone, whatever the method.
    "api/v1/^.*$": Route({"GET": everyone(NOT_FOUND), "POST": everyone(NOT_FOUND)}),
    # The schema and its docs page are public: they describe the contract integrators build against and
    # carry no data.
    "api-schema": PUBLIC_PAGE,
    "api-docs": PUBLIC_PAGE,
    # --- The admin -----------------------------------------------------------------------------------
    # Staff only: visitors (not staff) and anonymous users are sent to the admin's login page. Coordinators
    # and managers are staff; what each may see or change there is decided by their model permissions
    # (visits.roles), and managers do not see households with protected identity (tenants.admin).
    "admin:*": Route({"GET": (LOGIN, LOGIN, LOGIN, ADMIN, ADMIN)}),
    "admin:index": Route({"GET": (LOGIN, LOGIN, LOGIN, ALLOW, ALLOW)}),
    "admin:login": Route({"GET": (ALLOW, ALLOW, ALLOW, REDIRECT, REDIRECT)}),
    # POST only; a GET is sent to the index (and from there, when not staff, to the login page).
    "admin:logout": Route({"GET": (REDIRECT, REDIRECT, REDIRECT, METHOD, METHOD)}),
}


# --- Walking the resolver -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    """One URL pattern as the resolver knows it."""

    key: str  # "namespace:name", or the route for an unnamed pattern
    name: str | None
    route: str  # the whole route, e.g. "visits/<int:visit_id>/log/"
    namespace: str
    kwargs: tuple[str, ...]  # the names the route takes
    api_methods: tuple[str, ...] = field(default=())  # what a DRF router maps, upper case

    @property
    def is_api(self) -> bool:
        return self.namespace == "api"

    @property
    def names_owned(self) -> bool:
        return bool(OWNED_ARGUMENTS.intersection(self.kwargs))


_KWARG = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>")


def patterns() -> list[Pattern]:
    """Every URL pattern of the project, include()s and namespaces walked."""
    return list(_walk(get_resolver(), (), ""))


def _walk(resolver: URLResolver, namespaces: tuple[str, ...], prefix: str) -> Iterator[Pattern]:
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _walk(entry, (*namespaces, entry.namespace) if entry.namespace else namespaces, route)
            continue
        assert isinstance(entry, URLPattern)
        namespace = ":".join(namespaces)
        key = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name or route
        actions = getattr(entry.callback, "actions", None) or {}
        yield Pattern(
            key=key,
            name=entry.name,
            route=route,
            namespace=namespace,
            kwargs=tuple(a or b for a, b in _KWARG.findall(route)),
            api_methods=tuple(method.upper() for method in actions),
        )


def decision(pattern: Pattern) -> Route | TokenRoute | None:
    """The pattern's own line, else its namespace's "ns:*" line; None when nobody has decided."""
    return MATRIX.get(pattern.key) or (MATRIX.get(f"{pattern.namespace}:*") if pattern.namespace else None)
