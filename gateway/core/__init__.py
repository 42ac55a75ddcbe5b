"""The core: records, policy, pipeline and shards; no file format knows about a door."""
