"""A local stand-in for Yousign v3, for development and tests (``python -m signature_provider``)."""

from signature_provider.app import create_app
from signature_provider.config import ProviderConfig

__all__ = ["ProviderConfig", "create_app"]
