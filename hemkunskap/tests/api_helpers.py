"""Helpers for the REST API's tests (tenants, visits and hemkunskap test_api_*.py): staff in a role, and the
header an integration sends with its token."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from rest_framework.authtoken.models import Token


def staff(username: str, *roles: str, **fields: object) -> AbstractBaseUser:
    """A user in the given roles ("coordinator", "manager", "visitor"); none for a user without a role."""
    user = get_user_model().objects.create_user(username=username, password=None, **fields)
    for role in roles:
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


def token_header(user: AbstractBaseUser) -> dict[str, str]:
    """`Authorization: Token <key>`, as the test client takes it (**token_header(user))."""
    return {"HTTP_AUTHORIZATION": f"Token {Token.objects.get_or_create(user=user)[0].key}"}
