"""params/: the per-environment files and deployment.yaml, loaded and validated.

`reader` loads and checks everything before any AWS call (one line per problem, naming the file
and key); `files` reads a file someone may have damaged in bounded time and memory (parameter
files, built templates and saved rollouts alike); `domains` knows which domains can never be
delegated.

May import: `scripts.errors`, `scripts.aws` (region names only).
"""
