"""seed_demo: reference data, one log-in per role, realistic profiles; safe to run twice; refuses production."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from hub import permissions
from hub.demo import DEMO_PASSWORD, ROLE_LOGINS
from hub.models import Municipality, Organisation, Profile, Province, User
from hub.roles import Role


@pytest.mark.django_db
def test_reference_data_is_there_after_migrations():
    assert Province.objects.count() == 9
    assert Municipality.objects.count() == 257
    assert Municipality.objects.metros().count() == 8
    assert Municipality.objects.districts().count() == 44
    assert Municipality.objects.locals().count() == 205
    assert Municipality.objects.locals().filter(district__isnull=True).count() == 0
    assert Organisation.objects.filter(kind="salga").count() == 10
    assert Municipality.objects.get(code="NC067").name == "Khâi-Ma"
    assert Municipality.objects.get(code="WC044").district.code == "DC4"


@pytest.mark.django_db
def test_seed_demo_twice_creates_each_login_once_with_its_role(settings, capsys):
    settings.DEBUG = True

    call_command("seed_demo")
    call_command("seed_demo")

    output = capsys.readouterr().out
    assert DEMO_PASSWORD in output
    for person in ROLE_LOGINS:
        assert User.objects.filter(email=person.email).count() == 1
        assert person.email in output
    by_role = {person.role: User.objects.get(email=person.email) for person in ROLE_LOGINS}
    assert permissions.is_member(by_role[Role.MEMBER])
    assert not permissions.is_municipal_official(by_role[Role.MEMBER])
    assert permissions.is_municipal_official(by_role[Role.MUNICIPAL_OFFICIAL])
    assert permissions.is_salga_staff(by_role[Role.SALGA_STAFF])
    assert permissions.is_content_reviewer(by_role[Role.CONTENT_REVIEWER])
    assert permissions.is_newsletter_publisher(by_role[Role.NEWSLETTER_PUBLISHER])
    assert permissions.is_site_administrator(by_role[Role.SITE_ADMINISTRATOR])
    assert by_role[Role.MEMBER].check_password(DEMO_PASSWORD)
    listed = Profile.objects.in_directory()
    assert listed.count() >= 15
    assert listed.values("organisation__province").distinct().count() >= 8
    assert Province.objects.count() == 9 and Municipality.objects.count() == 257


@pytest.mark.django_db
def test_seed_demo_refuses_to_run_in_production(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError):
        call_command("seed_demo")

    assert not User.objects.filter(email__endswith="@demo.lgkh.org.za").exists()
