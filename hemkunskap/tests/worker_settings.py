"""Settings for the Celery workers that hemkunskap/tests/test_faults_services.py starts: the app's own, but
with no quiet hours for SMS. A worker process runs on the real clock, which the test cannot stop at noon as
it does its own with time_machine, and a test run at night must still see its messages go out."""

from hemkunskap.settings import *  # noqa: F403

# Quiet from hour 24 to hour 0: no hour is ever >= 24 or < 0 (messaging.services.quiet_hours_adjusted).
SMS_QUIET_HOURS = (24, 0)
