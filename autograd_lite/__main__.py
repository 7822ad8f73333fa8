"""`python -m autograd_lite`: the same commands as `autograd-lite`."""

import sys

from .cli import main

sys.exit(main())
