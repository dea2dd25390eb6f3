"""The coordinator's screens (issue 5): the queue, the week board, move-ins and household search."""

from django.urls import path

from tenants import import_views, privacy_views
from visits import coordination_views

app_name = "coordination"
urlpatterns = [
    path("", coordination_views.queue, name="queue"),
    path("board/", coordination_views.board, name="board"),
    path("absences/new/", coordination_views.absence, name="absence"),
    path("move-ins/new/", coordination_views.move_in_new, name="move_in_new"),
    path("move-ins/<int:move_in_id>/", coordination_views.move_in_edit, name="move_in_edit"),
    path("move-ins/<int:move_in_id>/assign/", coordination_views.assign, name="assign"),
    path("visits/<int:visit_id>/interpreter/", coordination_views.book_interpreter, name="book_interpreter"),
    path("change-requests/<int:change_request_id>/", coordination_views.change_request, name="change_request"),
    path("search/", coordination_views.search, name="search"),
    # Everything held about a household (GDPR art. 15): printable, or ?format=json.
    path("households/<int:household_id>/data/", privacy_views.household_data, name="household_data"),
    path("import/", import_views.upload, name="import"),
    path("import/<int:import_id>/", import_views.detail, name="import_detail"),
]
