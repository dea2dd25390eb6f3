"""The three roles as auth groups with their permissions, kept in step with this table after migrate."""

from typing import Any

from django.contrib.auth.models import Group, Permission

VISITOR = "visitor"
COORDINATOR = "coordinator"
MANAGER = "manager"

_OPERATIONAL_MODELS = {
    "tenants": ["district", "building", "apartment", "household", "householdlanguage", "movein"],
    "visits": ["visitor", "visitorlanguage", "absence", "visit", "assignment"],
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
    ],
    MANAGER: [("languages", "view_language"), *_codenames(["view"], _OPERATIONAL_MODELS)],
}


def sync_roles() -> None:
    for role, wanted in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        permissions = [
            Permission.objects.get(content_type__app_label=app, codename=codename) for app, codename in wanted
        ]
        group.permissions.set(permissions)


def sync_roles_after_migrate(**kwargs: Any) -> None:
    sync_roles()
