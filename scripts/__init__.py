"""The project's Python: everything `payctl` does, in packages by layer.

Lowest first; a package may import the ones above it in this list, never one below:

    errors      the project's exceptions, which only the CLI turns into exit codes
    aws/        reaching AWS (sessions, clients, regions) and AWS's published facts
                (resource schemas, what intrinsic functions refer to)
    config/     params/ and deployment.yaml, loaded and validated before anything is sent
    checks/     what a template must satisfy beyond CloudFormation: policy checks, cfn-lint,
                the execution role's actions derived from the templates
    build/      everything written into build/: templates and parameter files, Lambda zips,
                manifests, the diagram, and where a deploy comes from
    plan/       pure decisions: what a deploy must change, and its reports
    stacksets/  the StackSet engine: read, apply one step at a time, wait, stop and resume
    actions/    one module per job payctl does (deploy, adopt, destroy, purge, drift, ...)
    cli/        payctl itself: options, the one place errors become exit codes, the commands

Beside the layers: `emulator/` (the local AWS; only the commands that start it import it) and
`bench/` (the rollout benchmark, which drives payctl and the emulator from the outside).
`tests/test_layering.py` keeps these rules.
"""
