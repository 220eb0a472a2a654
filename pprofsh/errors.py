"""One exception base class; every message a user sees is worded here or at the raise site."""


class PprofshError(Exception):
    """An error reported as one line (Go's wording where Go has one)."""


class ProfileError(PprofshError):
    """A profile that cannot be read or is malformed."""


class CommandError(PprofshError):
    """A bad shell line or option value."""


class FetchError(PprofshError):
    """A source that could not be fetched."""
