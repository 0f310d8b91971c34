"""Writes of the import pipeline, one module per noun."""
