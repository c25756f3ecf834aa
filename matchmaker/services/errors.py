"""Domain errors: what went wrong in words a user can act on, and which form field it belongs to."""


class DomainError(Exception):
    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotAllowed(DomainError):
    """The action is not allowed in the current state (for example approving an approved organisation)."""


class StateConflict(NotAllowed):
    """Someone else changed the record first (a double-click, or two officers at once): this request lost the race
    and changed nothing. Views show the message on the record's page, where what happened can be seen; the API
    answers 409."""

    def __init__(self, message: str, field: str | None = None, match_id: int | None = None) -> None:
        super().__init__(message, field)
        self.match_id = match_id  # the match the winner made or changed, to show the loser
