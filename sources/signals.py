"""What the sources app tells others, without importing them."""

from django.dispatch import Signal

# Sent with `source_ids` when sources became broken or work again: pages that
# cite them say so to readers.
link_health = Signal()
