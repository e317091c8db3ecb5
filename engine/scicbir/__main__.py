import sys

from scicbir.cli import main

sys.exit(main())
