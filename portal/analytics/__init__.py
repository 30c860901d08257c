"""Self-service analytics for agents: the dashboard at ``/agent/analytics``."""
