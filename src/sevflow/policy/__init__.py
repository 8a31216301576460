"""Loading and validating the YAML policy file (pydantic) into domain objects."""
