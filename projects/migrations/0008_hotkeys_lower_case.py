"""Hotkeys are kept in lower case (they match whatever the Shift or Caps Lock): a label
whose hotkey only differed from another's by case loses it, the first keeps it."""

from django.db import migrations


def lower_case(apps, schema_editor):
    Label = apps.get_model("projects", "Label")
    taken: set[tuple[int, str]] = set()
    wanted: dict[int, str] = {}
    for label in Label.objects.exclude(hotkey="").order_by("project_id", "position", "id"):
        key = (label.project_id, label.hotkey.lower())
        hotkey = "" if key in taken else key[1]
        taken.add(key)
        if hotkey != label.hotkey:
            wanted[label.id] = hotkey
    # Cleared first, so that no two labels hold one key on the way.
    Label.objects.filter(id__in=wanted).update(hotkey="")
    for label_id, hotkey in wanted.items():
        if hotkey:
            Label.objects.filter(id=label_id).update(hotkey=hotkey)


class Migration(migrations.Migration):
    dependencies = [("projects", "0007_gold_settings")]

    operations = [migrations.RunPython(lower_case, migrations.RunPython.noop)]
