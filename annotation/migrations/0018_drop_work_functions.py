"""Drop the PL/pgSQL functions of migration 0016.

The work path's claim and submit run as the statements of annotation.work.statements on
every database: one implementation of each rule (docs/architecture.md, "The work path").
Going back recreates them as 0016 made them.
"""

import importlib

from django.db import migrations

_0016 = importlib.import_module("annotation.migrations.0016_work_functions")


class Migration(migrations.Migration):
    dependencies = [("annotation", "0017_work_indexes")]

    operations = [migrations.RunPython(_0016.drop, _0016.create)]
