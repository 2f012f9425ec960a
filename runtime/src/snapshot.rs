//! Compact state snapshots and the JSON view, for checkpoints and migrations.
