"""Electronic signature: the Yousign v3 client, webhook verification, signature placement."""
