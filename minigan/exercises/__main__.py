"""``python -m minigan.exercises check NAME [--file PATH]``: the same as ``minigan exercise``, through the same
parser, so a usage error or an error a user can cause is one line, as with the installed command."""
from minigan.exercises import main

raise SystemExit(main())
