"""Three roles, each allowed everything the one before it is, and what an operation needs."""

from __future__ import annotations

from typing import Literal, get_args

Role = Literal["viewer", "operator", "admin"]
# What an operation needs: a role, or nothing at all (the login itself).
Access = Literal["public", "viewer", "operator", "admin"]
ROLES: tuple[Role, ...] = get_args(Role)


def allows(role: Role, needed: Access) -> bool:
    """True when `role` may perform an operation that needs `needed`."""
    if needed == "public":
        return True
    return ROLES.index(role) >= ROLES.index(needed)
