"""`payctl`: the command-line face of the project, a thin layer over `scripts.actions`.

`main` is the click group and the entry point, `support` the global options and the one place
errors become exit codes, `commands/` one module per command. Only `commands.emulator` and
`commands.demo` import `scripts.emulator`, to start it.

May import: every layer below, and `scripts.emulator` from those two commands.
"""
