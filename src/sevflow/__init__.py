"""sevflow: severity-based support-ticket escalation driven by a policy file."""

__version__ = "0.1.0"
