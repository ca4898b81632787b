"""`python -m caseterm` is the same as the `caseterm` command."""

from caseterm.cli import main

if __name__ == "__main__":
    main()
