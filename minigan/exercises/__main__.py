"""``python -m minigan.exercises check NAME [--file PATH]``: the same as ``minigan exercise``."""
from . import main

raise SystemExit(main())
