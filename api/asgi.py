"""The ASGI application for uvicorn/gunicorn: ``api.asgi:app`` (configured from the environment)."""

from .app import create_app

app = create_app()
