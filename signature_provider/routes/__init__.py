"""The provider's HTTP routes, one module per concern; ``app.py`` includes the routers.

``yousign_api``     /v3, behind the API key: ``signature_requests``, ``documents``, ``signers``
``signer_side``     what a signer does, as JSON controls for tests (sign, decline), the PDF
``signer_page``     the signer's page: the PDF, "Signer", "Refuser" (HTML forms)
``admin``           /_admin controls for tests (expiry, injected faults) and /healthz
"""
