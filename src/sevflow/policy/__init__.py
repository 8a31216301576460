"""Loading and validating the YAML policy file (pydantic) into domain objects.

``load_policy(path)`` / ``load_policy_text(text, source)`` return a frozen
``sevflow.domain.policy.Policy`` or raise ``PolicyError`` listing every problem.
``starter.yaml`` is the documented starter policy (see ``sevflow.policy.starter``).
"""

from sevflow.policy.loader import load_policy, load_policy_text

__all__ = ["load_policy", "load_policy_text"]
