"""Columns tunegate adds to the clean shards it publishes, named once for both sides of
the handoff: the publisher that writes them and the trainer-side loader that reads them."""

FLAGS = "tunegate_flags"  # the findings the policy flagged on a kept row; empty if none
