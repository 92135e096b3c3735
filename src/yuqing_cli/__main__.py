from yuqing_cli.cli import main

raise SystemExit(main())
