"""Who people are: passwords, sessions, codes, tokens, registration, My Account, officer invites."""
