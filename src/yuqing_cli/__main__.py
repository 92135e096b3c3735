from yuqing_cli.entry import main

raise SystemExit(main())
