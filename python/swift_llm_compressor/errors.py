"""The exception every failed call raises."""

#: Status codes of llm_compressor.h.
OK = 0
FAILED = 1
BAD_OPTIONS = 64
CANCELLED = 130


class CompressionError(Exception):
    """A call of the Swift library failed. `message` is the tool's one-line message (the line
    `compress` prints after "error: "), naming the file, tensor or recipe line at fault; `status`
    is the C ABI's code: 1 bad input or failed run, 64 bad options, 130 cancelled."""

    def __init__(self, message: str, status: int = FAILED):
        super().__init__(message)
        self.message = message
        self.status = status
