"""Reusable test machinery: a real `chroma run` server, the ingest CLI in a subprocess, load clients."""
