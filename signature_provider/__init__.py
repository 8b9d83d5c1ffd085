"""A local stand-in for Yousign v3, for development and tests (``python -m signature_provider``).

The app is built by ``signature_provider.app.create_app``; see that module for the layout.
"""
