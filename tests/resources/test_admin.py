"""The resource centre's Django admin pages open for a site administrator, and its actions use the services."""

from __future__ import annotations

import pytest
from django.test import Client

from hub.models import AuditEntry
from resources.models import Resource
from tests.factories import make_user_with_role
from tests.resources.factories import ResourceFactory, TopicFactory, make_published_resource_with_pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client():
    user = make_user_with_role("site_administrator")
    user.is_staff = True
    user.is_superuser = True
    user.save()
    client = Client()
    client.force_login(user)
    return client, user


def test_every_resource_admin_page_opens(admin_client):
    client, _user = admin_client
    resource = make_published_resource_with_pdf("Admin")
    TopicFactory()
    version = resource.files.get().latest_version
    for path in [
        "/admin/resources/resource/", f"/admin/resources/resource/{resource.pk}/change/", "/admin/resources/resource/add/",
        "/admin/resources/topic/", "/admin/resources/topic/add/", "/admin/resources/resourcefile/",
        f"/admin/resources/resourcefile/{version.file_id}/change/", "/admin/resources/fileversion/",
        f"/admin/resources/fileversion/{version.pk}/change/", "/admin/resources/reviewevent/",
        "/admin/resources/feedback/", "/admin/resources/collection/", "/admin/resources/collection/add/",
        "/admin/resources/savedresource/", "/admin/resources/savedsearch/",
        "/admin/resources/resource/?q=Admin&status__exact=published",
    ]:
        assert client.get(path).status_code == 200, path


def test_the_publish_action_goes_through_the_service(admin_client):
    client, user = admin_client
    resource = ResourceFactory(status=Resource.Status.SUBMITTED, published_at=None)

    client.post(
        "/admin/resources/resource/", {"action": "publish_selected", "_selected_action": [resource.pk]}
    )

    resource.refresh_from_db()
    assert resource.status == Resource.Status.PUBLISHED
    assert AuditEntry.objects.filter(action="resource.published", actor=user).exists()
