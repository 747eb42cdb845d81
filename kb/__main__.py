"""`python -m kb` runs the `policykb` command."""

from kb.cli import main

if __name__ == "__main__":
    main()
