"""Domain errors: what went wrong in words a user can act on, and which form field it belongs to."""


class DomainError(Exception):
    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotAllowed(DomainError):
    """The action is not allowed in the current state (for example approving an approved organisation)."""
