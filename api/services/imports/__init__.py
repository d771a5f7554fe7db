"""Importing communities, workers and assessments from CSV and Excel files."""
