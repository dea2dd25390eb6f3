"""The three roles as auth groups with their permissions, kept in step with this table after migrate."""

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser, Group, Permission
from django.http import HttpRequest

VISITOR = "visitor"
COORDINATOR = "coordinator"
MANAGER = "manager"
# Partner staff of Portalen (ABF, Migrationsverket, the municipality): the referral list and its statuses,
# and the aggregate funnel; nothing else about households (portalen.views).
PORTALEN = "portalen"

_OPERATIONAL_MODELS = {
    "tenants": [
        "district",
        "building",
        "apartment",
        "household",
        "householdlanguage",
        "movein",
        "moveinimport",
        # Outcomes (issue 9): coordinators correct them, managers read them.
        "disturbancecase",
        "moveoutinspection",
        "surveyanswer",
    ],
    "visits": [
        "visitor",
        "visitorlanguage",
        "absence",
        "visit",
        "assignment",
        "changerequest",
        "topic",
        "visitlog",
        "topiccovered",
        "followup",
    ],
    "messaging": ["messagetemplate", "message", "alert"],
    "portalen": ["referral", "referralstatusupdate"],
}


def _codenames(actions: list[str], models: dict[str, list[str]]) -> list[tuple[str, str]]:
    return [(app, f"{action}_{model}") for app, names in models.items() for model in names for action in actions]


ROLE_PERMISSIONS: dict[str, list[tuple[str, str]]] = {
    # A visitor reads the households they visit and logs their own visits; which rows is decided by the
    # views (their own visits only), not by these model permissions.
    VISITOR: [
        ("languages", "view_language"),
        *_codenames(["view"], {"tenants": ["building", "apartment", "household", "householdlanguage", "movein"]}),
        ("visits", "view_visit"),
        ("visits", "change_visit"),
    ],
    COORDINATOR: [
        ("languages", "view_language"),
        *_codenames(["view", "add", "change"], _OPERATIONAL_MODELS),
        ("visits", "delete_absence"),
        ("tenants", "delete_householdlanguage"),
        ("visits", "delete_visitorlanguage"),
        # An outcome imported under the wrong contract would count against the wrong household.
        *_codenames(["delete"], {"tenants": ["disturbancecase", "moveoutinspection", "surveyanswer"]}),
        # Who opened personal data: read only, for everyone who may read it (written by the app alone).
        ("tenants", "view_personaldataaccess"),
    ],
    MANAGER: [
        ("languages", "view_language"),
        *_codenames(["view"], _OPERATIONAL_MODELS),
        ("tenants", "view_personaldataaccess"),
    ],
    PORTALEN: [
        ("portalen", "view_referral"),
        ("portalen", "change_referral"),
        ("portalen", "view_referralstatusupdate"),
    ],
}


def sync_roles() -> None:
    existing = {
        (app, codename): permission
        for permission in Permission.objects.select_related("content_type")
        for app, codename in [(permission.content_type.app_label, permission.codename)]
    }
    for role, wanted in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        # Permissions of apps not yet migrated are added when their own post_migrate comes.
        group.permissions.set([existing[pair] for pair in wanted if pair in existing])


def sync_roles_after_migrate(**kwargs: Any) -> None:
    sync_roles()


def is_coordinator(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Coordinators (and superusers) handle what the machine could not: every operational screen."""
    return user.is_authenticated and (user.is_superuser or user.groups.filter(name=COORDINATOR).exists())


def remember_roles(sender: object, request: HttpRequest, user: AbstractBaseUser, **kwargs: Any) -> None:
    """At login, keep the user's roles in the session, so that every page's navigation knows them without a
    query (a change of roles shows at the next login)."""
    roles = set(user.groups.values_list("name", flat=True))
    if user.is_superuser:
        roles.add(COORDINATOR)
    request.session["roles"] = sorted(roles)
    # The interface language the user chose, on whatever device (see hemkunskap.middleware).
    from visits.models import StaffPreference

    chosen = StaffPreference.objects.filter(user_id=user.pk).values_list("language", flat=True).first()
    if chosen:
        request.session[LANGUAGE_SESSION_KEY] = chosen


LANGUAGE_SESSION_KEY = "ui_language"


def remember_language(*, user: AbstractBaseUser, language: str, request: HttpRequest) -> None:
    """Keep the interface language a signed-in user picked, for this session and every later login."""
    from visits.models import StaffPreference

    StaffPreference.objects.update_or_create(user_id=user.pk, defaults={"language": language})
    request.session[LANGUAGE_SESSION_KEY] = language
