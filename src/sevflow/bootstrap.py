"""The one place that knows concrete classes: builds the container from settings."""
