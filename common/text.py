"""Text helpers shared by every layer."""


def one_line(value: str) -> str:
    """Collapse every run of whitespace, CR and LF included, into one space.

    Names and titles end up in headers (To, Subject); a line break there would let someone
    add headers of their own, so it never survives.
    """
    return " ".join(str(value).split())
