"""Everything written into build/, deterministically.

`render` turns templates_py/ and params/ into build/templates and build/params, `packaging`
makes content-addressed Lambda zips, `manifest` the compliance manifests from stack outputs,
`diagram` the architecture drawing, `provenance` the git revision a deploy is labelled with,
`rollout_report` a rollout drawn as one self-contained HTML page.

May import: `scripts.errors`, `scripts.aws`, `scripts.config`, `scripts.checks`.
"""
