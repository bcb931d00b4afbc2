"""A locked-out log-in, as the person locked out sees it."""

import pytest
from django.conf import settings
from playwright.sync_api import expect

from ..factories import UserFactory
from .conftest import screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_after_five_wrong_passwords_the_admin_login_says_plainly_when_to_try_again(page, site_url):
    UserFactory(username="alice", is_staff=True)
    page.goto(site_url + "/admin/login/")
    for n in range(settings.AXES_FAILURE_LIMIT):
        page.fill("#id_username", "alice")
        page.fill("#id_password", f"wrong password {n}")
        page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Too many failed log-ins")
    expect(page.locator("#content-main")).to_contain_text("try again after")
    expect(page.locator("#content-main")).to_contain_text("Ask an administrator")
    screenshot(page, "admin-locked-out")
