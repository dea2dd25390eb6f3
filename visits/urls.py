from django.urls import path

from visits import calendar, views

app_name = "visits"
urlpatterns = [
    path("mine/", views.my_visits, name="mine"),
    path("calendar/<str:token>.ics", calendar.feed, name="calendar_feed"),
]
