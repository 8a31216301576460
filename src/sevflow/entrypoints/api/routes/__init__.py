"""One router per resource: tickets (reading, creating), ticket actions, directory (teams,
agents, service lines, customers), policy, accounts (sessions, tokens, users), intake, audit."""
