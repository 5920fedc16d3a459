"""URLs of the resource centre, mounted at /resources/."""

from django.urls import path

from resources.views import browse, collections, detail, files, library, review, upload

app_name = "resources"

urlpatterns = [
    path("", browse.resource_list, name="resource_list"),
    path("feed/", browse.resource_feed, name="resource_feed"),
    path("new/", upload.resource_create, name="resource_create"),
    path("mine/", upload.my_uploads, name="my_uploads"),
    path("review/", review.review_queue, name="review_queue"),
    path("review/overdue/", review.overdue_list, name="overdue_list"),
    path("review/<slug:slug>/", review.review_detail, name="review_detail"),
    path("collections/", collections.collection_list, name="collection_list"),
    path("collections/<slug:slug>/", collections.collection_detail, name="collection_detail"),
    path("library/", library.my_library, name="my_library"),
    path("library/searches/", library.saved_search_create, name="saved_search_create"),
    path("library/searches/<int:pk>/", library.saved_search_edit, name="saved_search_edit"),
    path("files/<int:file_id>/latest/", files.file_download, name="file_latest"),
    path("files/<int:file_id>/v<int:number>/", files.file_download, name="file_version"),
    path("files/<int:file_id>/preview/", files.file_preview, name="file_preview"),
    path("<slug:slug>/", detail.resource_detail, name="resource_detail"),
    path("<slug:slug>/edit/", upload.resource_edit, name="resource_edit"),
    path("<slug:slug>/files/new/", upload.file_version_create, name="file_version_create"),
    path("<slug:slug>/cover/<str:size>/", files.cover_image, name="cover_image"),
    path("<slug:slug>/cite.bib", detail.cite_bibtex, name="cite_bibtex"),
    path("<slug:slug>/cite.ris", detail.cite_ris, name="cite_ris"),
    path("<slug:slug>/feedback/", detail.feedback, name="feedback"),
    path("<slug:slug>/save/", library.toggle_saved, name="toggle_saved"),
]
