"""The web edge: FastAPI JSON API, the Gradio chat + documents UI, and the intranet embed widget.

`app.create_app()` wires these together; nothing here builds a model or a store.
"""
