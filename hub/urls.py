"""URLs of the whole site. Each app adds its own include() when it arrives."""

from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from hub.views import account, manage, organisations, pages, people

app_name = "hub"

hub_patterns = [
    path("", pages.home, name="home"),
    path("search/", pages.site_search, name="search"),
    path("privacy/", pages.privacy, name="privacy"),
    path("terms/", pages.terms, name="terms"),
    path("accessibility/", pages.accessibility, name="accessibility"),
    path("healthz", pages.healthz, name="healthz"),
    path("municipalities/", organisations.municipality_list, name="municipality_list"),
    path("municipalities/<str:code>/", organisations.municipality_detail, name="municipality_detail"),
    path("people/", people.person_list, name="person_list"),
    path("people/<int:pk>/", people.person_detail, name="person_detail"),
    path("people/<int:pk>/contact/", people.person_contact, name="person_contact"),
    path("experts/", people.expert_list, name="expert_list"),
    path("accounts/profile/", account.profile_edit, name="profile_edit"),
    path("accounts/profile/verification/", account.verification_request, name="verification_request"),
    path("accounts/my-data/", account.data_download, name="data_download"),
    path("accounts/delete/", account.account_delete, name="account_delete"),
    path("manage/", manage.dashboard, name="manage_dashboard"),
    path("manage/people/", manage.person_roles_list, name="manage_people"),
    path("manage/people/<int:pk>/roles/", manage.person_roles_edit, name="manage_person_roles"),
    path("manage/verifications/", manage.verification_queue, name="verification_queue"),
    path("manage/verifications/<int:pk>/", manage.verification_decide, name="verification_decide"),
    path("manage/audit/", manage.audit_log, name="audit_log"),
]
if settings.DEBUG:
    hub_patterns += [
        path("dev/mail/", pages.dev_mail, name="dev_mail"),
        path("dev/mail/<str:message_id>/", pages.dev_mail_detail, name="dev_mail_detail"),
    ]

# Django admin logs in through allauth, so its rate limits, email verification and two-factor step apply there too.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("", include((hub_patterns, "hub"))),
    path("resources/", include("resources.urls")),
    path("networks/", include("networks.urls")),
    path("events/", include("networks.event_urls")),
    path("newsletters/", include("newsletters.urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
]

handler400 = "hub.views.pages.bad_request"
handler403 = "hub.views.pages.permission_denied"
handler404 = "hub.views.pages.page_not_found"
handler500 = "hub.views.pages.server_error"
