import sys

from pprofsh.cli import main

sys.exit(main())
