from django.urls import path

from visits import views

app_name = "visits"
urlpatterns = [
    path("mine/", views.my_visits, name="mine"),
]
