"""User mistakes end a step with one clear line and exit code 2; bugs keep their traceback."""

import functools
import sys


class UserError(Exception):
    """A problem with the user's input (config, data, missing file): not a bug."""


EXIT_USER_ERROR = 2


def cli(main):
    """Decorate a step's `main(argv)` so a UserError prints one line and exits 2."""

    @functools.wraps(main)
    def wrapper(argv=None):
        try:
            return main(argv)
        except UserError as error:
            print(f"error: {error}", file=sys.stderr)
            sys.exit(EXIT_USER_ERROR)

    return wrapper
