"""The Flask app: composition root, web session, pages, error mapping and CLI."""
