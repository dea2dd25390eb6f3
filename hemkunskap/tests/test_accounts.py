"""Everyone can change their password, and reset a forgotten one by e-mail."""

import re

from django.urls import reverse


def test_a_user_resets_a_forgotten_password_by_e_mail(client, django_user_model, mailoutbox, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    user = django_user_model.objects.create_user(username="amal", email="amal@example.org", password="old-Secret-123")

    client.post(reverse("password_reset"), {"email": "amal@example.org"})
    (mail,) = mailoutbox
    link = re.search(r"https?://\S+/accounts/reset/\S+/", mail.body).group(0)
    form_page = client.get(link.split("testserver", 1)[-1], follow=True)
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "Välkommen-Hem-2026", "new_password2": "Välkommen-Hem-2026"},
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Välkommen-Hem-2026")


def test_a_signed_in_user_changes_their_password(client, django_user_model):
    user = django_user_model.objects.create_user(username="amal", password="old-Secret-123")
    client.force_login(user)

    response = client.post(
        reverse("password_change"),
        {"old_password": "old-Secret-123", "new_password1": "Ny-Lösen-2026!", "new_password2": "Ny-Lösen-2026!"},
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Ny-Lösen-2026!")


def test_changing_the_password_needs_a_login(client):
    response = client.get(reverse("password_change"))

    assert response.status_code == 302
    assert reverse("login") in response["Location"]
