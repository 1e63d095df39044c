"""Ingest sources into resdir: read each feed, normalize its records, resolve and load them."""
