"""The HTTP service: ``create_app`` in ``assistant.api.app``; ``cds serve`` runs it under uvicorn."""
