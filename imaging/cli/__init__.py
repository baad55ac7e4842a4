"""The ``as-imaging`` command line: one module per subcommand, each ``register(subparsers)``."""
