"""What the projects app tells the others, without importing them."""

from django.dispatch import Signal

# Sent inside the transaction that renamed labels, with ``project`` and ``renamed``:
# ``[(kind, old name, new name), ...]``. The annotation app renames them in every stored
# annotation (annotation.labels), so that a label keeps its identity under a new name.
labels_renamed = Signal()
