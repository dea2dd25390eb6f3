"""The welcome visit's checklist as the programme teaches it. Coordinators edit it afterwards; running
this again (or on a database that has the rows) never changes or duplicates a topic."""

from django.db import migrations

# (Swedish, English), in the order a visit usually goes through them.
TOPICS = [
    ("Hyresrätten och dess regler", "The tenancy and its rules"),
    ("Hyran och hur den betalas", "Rent and how to pay it"),
    ("Felanmälan", "Fault reporting"),
    ("Bokning av tvättstugan", "Laundry booking"),
    ("Källsortering", "Waste sorting"),
    ("Brandsäkerhet och brandvarnaren", "Fire safety and the smoke alarm"),
    ("Ventilation och fukt", "Ventilation and moisture"),
    ("Grannar och nattro", "Neighbours and quiet hours"),
    ("Nycklar", "Keys"),
    ("Förråd", "Storage"),
    ("Hemförsäkring", "Home insurance"),
    ("Vem man kontaktar", "Who to contact"),
]


def seed_topics(apps, schema_editor):
    Topic = apps.get_model("visits", "Topic")
    for position, (name_sv, name_en) in enumerate(TOPICS, start=1):
        Topic.objects.get_or_create(name_sv=name_sv, defaults={"name_en": name_en, "position": position * 10})


def remove_seeded_topics(apps, schema_editor):
    # Topics already used in a visit's log stay: the log must keep saying what was covered.
    Topic = apps.get_model("visits", "Topic")
    TopicCovered = apps.get_model("visits", "TopicCovered")
    seeded = Topic.objects.filter(name_sv__in=[name_sv for name_sv, _name_en in TOPICS])
    seeded.exclude(id__in=TopicCovered.objects.values("topic_id")).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("visits", "0005_visit_logs"),
    ]

    operations = [
        migrations.RunPython(seed_topics, remove_seeded_topics),
    ]
