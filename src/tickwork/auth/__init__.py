"""Who may do what: users with passwords and roles, the API token, sessions, and the audit log.

    roles.py      viewer < operator < admin, and which role an operation needs
    passwords.py  scrypt hashes (werkzeug) and a check that takes as long for unknown users
    users.py      the users table: add, change, remove, never leaving the server without an admin
    audit.py      the audit_log table: record an action, read a page of them
    throttle.py   slows down guessing: repeated failed logins must wait longer and longer
    sessions.py   the signing key, the session cookie's content, CSRF tokens
    guard.py      per request: who is calling, may they, and did they send the CSRF header
    models.py     the Pydantic shapes of the auth, users and audit endpoints
    errors.py     Unauthorized 401, Forbidden 403, TooManyAttempts 429

Authentication is on as soon as an API token is configured or one user exists; with neither,
every caller is `anonymous` with the admin role (only allowed on a loopback address).
"""
