from django.urls import path

from messaging import views

app_name = "messaging"

urlpatterns = [
    # Posted to by the SMS gateway; the secret comes from messaging.channels.sms_status_url().
    path("sms-status/<str:secret>/", views.sms_status, name="sms_status"),
]
