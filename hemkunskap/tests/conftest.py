"""The hemkunskap tests that need people and move-ins (the fault tests) use the visits tests' cast."""

from visits.tests.conftest import amal, apartment, hodan, languages, make_move_in, make_visitor, team, yonas

__all__ = ["amal", "apartment", "hodan", "languages", "make_move_in", "make_visitor", "team", "yonas"]
