from digcomp.cli import main

raise SystemExit(main())
