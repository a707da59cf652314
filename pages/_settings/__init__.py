"""The Settings page's parts: session keys per provider, custom endpoints, and the reference sections."""
