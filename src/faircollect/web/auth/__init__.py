"""Authentication and authorization: passwords (argon2id), server-side sessions, CSRF,
sign-in throttling, TOTP, bearer tokens, roles and route policies (see docs/web.md)."""
