"""The error of one row: a stable code, a message and the column it is about."""


class RowError(Exception):
    def __init__(self, code: str, message: str, column: str = ""):
        self.code, self.message, self.column = code, message, column
        super().__init__(code)
