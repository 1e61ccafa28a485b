import sys

from safegen.cli import main

sys.exit(main())
