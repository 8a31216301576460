"""Use cases: read the clock once, load through a unit of work, call the domain, persist, write outbox."""
