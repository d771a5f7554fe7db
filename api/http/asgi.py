"""The ASGI application for uvicorn/gunicorn: ``api.asgi:app`` (configured from the environment)."""

from api.http.app import create_app

app = create_app()
