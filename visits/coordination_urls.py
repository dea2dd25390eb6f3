"""The coordinator's screens (queue, board, move-ins). Being written: see issue 5."""

from django.urls import path

from visits import coordination_views

app_name = "coordination"
urlpatterns = [
    path("", coordination_views.queue, name="queue"),
]
