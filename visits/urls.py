from django.urls import path

from visits import calendar, views

app_name = "visits"
urlpatterns = [
    path("mine/", views.my_visits, name="mine"),
    path("today/", views.today, name="today"),
    path("week/", views.week, name="week"),
    path("<int:visit_id>/", views.detail, name="detail"),
    path("<int:visit_id>/log/", views.log, name="log"),
    path("calendar/<str:token>.ics", calendar.feed, name="calendar_feed"),
]
