"""URLs of the peer learning networks, mounted at /networks/ (events: networks/event_urls.py)."""

from django.urls import path

from networks.views import dashboard, events, forum, membership, moderation, network, notifications

app_name = "networks"

urlpatterns = [
    path("", network.network_list, name="network_list"),
    path("notifications/", notifications.notification_list, name="notification_list"),
    path("notifications/settings/", notifications.notification_settings, name="notification_settings"),
    path("notifications/unsubscribe/<str:token>/", notifications.unsubscribe, name="notification_unsubscribe"),
    path("invitations/<str:token>/", membership.invitation_accept, name="invitation_accept"),
    path("<slug:slug>/", network.network_detail, name="network_detail"),
    path("<slug:slug>/join/", membership.join, name="join"),
    path("<slug:slug>/leave/", membership.leave, name="leave"),
    path("<slug:slug>/members/", membership.member_list, name="member_list"),
    path("<slug:slug>/members/requests/", membership.request_list, name="request_list"),
    path("<slug:slug>/members/<int:membership_id>/", membership.member_manage, name="member_manage"),
    path("<slug:slug>/members/invite/", membership.invite, name="invite"),
    path("<slug:slug>/forum/", forum.topic_list, name="topic_list"),
    path("<slug:slug>/forum/new/", forum.topic_create, name="topic_create"),
    path("<slug:slug>/forum/<int:pk>/", forum.topic_detail, name="topic_detail"),
    path("<slug:slug>/forum/<int:pk>/reply/", forum.reply_create, name="reply_create"),
    path("<slug:slug>/forum/<int:pk>/manage/", moderation.topic_manage, name="topic_manage"),
    path("<slug:slug>/forum/<int:pk>/to-resource/", forum.topic_to_resource, name="topic_to_resource"),
    path("<slug:slug>/forum/<int:pk>/watch/", notifications.topic_watch, name="topic_watch"),
    path("<slug:slug>/posts/<int:post_id>/edit/", forum.post_edit, name="post_edit"),
    path("<slug:slug>/posts/<int:post_id>/delete/", forum.post_delete, name="post_delete"),
    path("<slug:slug>/posts/<int:post_id>/helpful/", forum.post_helpful, name="post_helpful"),
    path("<slug:slug>/posts/<int:post_id>/accept/", forum.post_accept, name="post_accept"),
    path("<slug:slug>/posts/<int:post_id>/flag/", moderation.post_flag, name="post_flag"),
    path("<slug:slug>/posts/<int:post_id>/revisions/", moderation.post_revisions, name="post_revisions"),
    path("<slug:slug>/moderation/", moderation.moderation_queue, name="moderation_queue"),
    path("<slug:slug>/moderation/posts/<int:post_id>/", moderation.post_moderate, name="post_moderate"),
    path("<slug:slug>/dashboard/", dashboard.coordinator_dashboard, name="coordinator_dashboard"),
    path("<slug:slug>/events/", events.network_event_list, name="network_event_list"),
    path("<slug:slug>/events/new/", events.event_create, name="event_create"),
    path("<slug:slug>/calendar.ics", events.network_calendar, name="network_calendar"),
]
